package delivery

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/tether-ml/tether"
)

// Bundle renders conns, valid and revealed, for a job whose files will be
// written under dir (absolute), following the package's naming rule. The
// result's file paths are relative to dir. A connection that cannot be
// delivered on the host (OnHost, RenderedOnHost) is EINVALID.
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
		if err := OnHost(c); err != nil {
			return nil, err
		}
		r, err := t.Render(c, filepath.Join(dir, c.ID))
		if err != nil {
			return nil, err
		}
		if err := RenderedOnHost(c, r); err != nil {
			return nil, err
		}
		b.add(c, t, r)
	}
	if err := b.mergeShared(); err != nil {
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
	// shared holds, for each type with shared files, in the order of the
	// connections, the type and its connections' renderings.
	shared []sharedSet
}

// sharedSet is the renderings of the connections of one type with shared
// files.
type sharedSet struct {
	typ *tether.ConnectionType
	rs  []*tether.Rendering
}

// add merges the rendering r of connection c, of type t.
func (b *bundler) add(c *tether.Connection, t *tether.ConnectionType, r *tether.Rendering) {
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
	if t.Shared != nil {
		b.addShared(t, r)
	}
}

// addShared records r, of type t, for t's shared files.
func (b *bundler) addShared(t *tether.ConnectionType, r *tether.Rendering) {
	for i := range b.shared {
		if b.shared[i].typ == t {
			b.shared[i].rs = append(b.shared[i].rs, r)
			return
		}
	}
	b.shared = append(b.shared, sharedSet{typ: t, rs: []*tether.Rendering{r}})
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

// mergeShared writes, for each type with shared files, the files its
// connections make together, and points the type's variable at them.
func (b *bundler) mergeShared() error {
	for _, set := range b.shared {
		sh := set.typ.Shared
		files, err := sh.Merge(set.rs)
		if err != nil {
			return err
		}
		for name, data := range files {
			b.out.Files[sh.Dir+"/"+name] = data
		}
		b.out.SetFileEnv(sh.Env, filepath.Join(b.dir, sh.Dir))
		b.plain[sh.Env] = true
	}
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
