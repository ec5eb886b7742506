package delivery

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tether-ml/tether"
)

// dockerDir is the directory, under a bundle's, of the merged docker
// configuration.
const dockerDir = "docker"

// Bundle renders conns, valid and revealed, for a job whose files will be
// written under dir (absolute), following the package's naming rule. The
// result's file paths are relative to dir.
func Bundle(types tether.TypeRegistry, conns []*tether.Connection, dir string) (*tether.Rendering, error) {
	if err := checkIDs(conns); err != nil {
		return nil, err
	}
	b := &bundler{out: &tether.Rendering{Env: map[string]string{}, Files: map[string][]byte{}}, dir: dir}
	for _, c := range conns {
		t := types.Type(c.Spec.Type)
		if t == nil || t.Render == nil {
			return nil, tether.Errorf(tether.EINVALID, "connection %s has type %q, which cannot be delivered", c.ID, c.Spec.Type)
		}
		r, err := t.Render(c, filepath.Join(dir, c.ID))
		if err != nil {
			return nil, err
		}
		b.add(c, r)
	}
	if err := b.mergeDocker(); err != nil {
		return nil, err
	}
	return b.out, b.checkPrefixes()
}

// bundler accumulates the renderings of a bundle.
type bundler struct {
	out      *tether.Rendering
	dir      string
	prefixed map[string]string // prefixed name -> connection id
	plain    map[string]bool   // names set under their own name
	docker   []*tether.Rendering
}

// add merges the rendering r of connection c.
func (b *bundler) add(c *tether.Connection, r *tether.Rendering) {
	for name, data := range r.Files {
		b.out.Files[c.ID+"/"+name] = data
	}
	b.out.Derived = append(b.out.Derived, r.Derived...)
	if b.prefixed == nil {
		b.prefixed, b.plain = map[string]string{}, map[string]bool{}
	}
	prefix := EnvPrefix(c.ID)
	for name, v := range r.Env {
		b.set(r, prefix+name, name, v)
		b.prefixed[prefix+name] = c.ID
	}
	if !b.anySet(r.Env) {
		for name, v := range r.Env {
			b.set(r, name, name, v)
			b.plain[name] = true
		}
	}
	if c.Spec.Type == "docker" {
		b.docker = append(b.docker, r)
	}
}

// set sets the bundle's variable name to v, the value of r's variable
// orig, keeping its mark when orig refers to r's files.
func (b *bundler) set(r *tether.Rendering, name, orig, v string) {
	if slices.Contains(r.FileEnv, orig) {
		b.out.SetFileEnv(name, v)
		return
	}
	b.out.Env[name] = v
}

// anySet reports whether a plain variable of env is already set.
func (b *bundler) anySet(env map[string]string) bool {
	for name := range env {
		if b.plain[name] {
			return true
		}
	}
	return false
}

// mergeDocker writes the merged docker configuration of every docker
// connection and points DOCKER_CONFIG at it.
func (b *bundler) mergeDocker() error {
	if len(b.docker) == 0 {
		return nil
	}
	auths := map[string]json.RawMessage{}
	for _, r := range b.docker {
		var cfg struct {
			Auths map[string]json.RawMessage `json:"auths"`
		}
		if err := json.Unmarshal(r.Files["config.json"], &cfg); err != nil {
			return tether.Internal("delivery.mergeDocker", err)
		}
		for host, a := range cfg.Auths {
			if _, ok := auths[host]; !ok {
				auths[host] = a
			}
		}
		for name, data := range r.Files {
			if rest, ok := strings.CutPrefix(name, "certs.d/"); ok {
				if _, dup := b.out.Files[dockerDir+"/certs.d/"+rest]; !dup {
					b.out.Files[dockerDir+"/certs.d/"+rest] = data
				}
			}
		}
	}
	cfg, err := json.MarshalIndent(map[string]any{"auths": auths}, "", "  ")
	if err != nil {
		return tether.Internal("delivery.mergeDocker", err)
	}
	b.out.Files[dockerDir+"/config.json"] = append(cfg, '\n')
	b.out.SetFileEnv("DOCKER_CONFIG", filepath.Join(b.dir, dockerDir))
	b.plain["DOCKER_CONFIG"] = true
	return nil
}

// checkPrefixes refuses a prefixed name that is also a plain one: one of
// the two would be lost.
func (b *bundler) checkPrefixes() error {
	for name, id := range b.prefixed {
		if b.plain[name] {
			return tether.Errorf(tether.EINVALID, "the variable %s of connection %s is also the name of another variable: "+
				"deliver them separately", name, id)
		}
	}
	return nil
}

// checkIDs refuses two connections with one id: their files and variables
// would share names.
func checkIDs(conns []*tether.Connection) error {
	seen := map[string]string{}
	for _, c := range conns {
		if ns, dup := seen[c.ID]; dup {
			return tether.Errorf(tether.EINVALID, "connections %s/%s and %s/%s share the id %s: deliver them separately",
				ns, c.ID, c.Namespace, c.ID, c.ID)
		}
		seen[c.ID] = c.Namespace
	}
	return nil
}

// EnvPrefix is the prefix of connection id's variables: the id in upper
// case, '-' as '_', and a trailing '_'.
func EnvPrefix(id string) string {
	return strings.ToUpper(strings.ReplaceAll(id, "-", "_")) + "_"
}
