package credimport

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/types"

	"github.com/tether-ml/tether"
)

// DockerOptions qualify the import of a docker config.json.
type DockerOptions struct {
	// IDPrefix is put before every derived id (see CheckIDPrefix).
	IDPrefix string
	// CredentialHelpers allows running the credential helpers the file
	// names (credsStore, credHelpers), as docker does, to read the
	// credentials they keep. Without it such registries are skipped.
	CredentialHelpers bool
}

// DockerConfigPath returns the file docker reads its credentials from:
// $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
func DockerConfigPath(getenv func(string) string) (string, error) {
	if dir := getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", tether.Errorf(tether.EINVALID, "cannot find the docker config: neither DOCKER_CONFIG nor HOME is set")
	}
	return filepath.Join(home, ".docker", "config.json"), nil
}

// ReadDockerConfig reads the docker config.json at path (see DockerConfig).
func ReadDockerConfig(path string, opts DockerOptions) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "cannot read %s: %v", path, pathError(err))
	}
	return DockerConfig(bytes.NewReader(data), path, opts)
}

// DockerConfig reads a docker config.json from r, named name in messages,
// with docker's own parser, and returns one docker connection per registry
// that has a username and a password. An auths entry's own credentials
// ("auth", or "username" and "password") are used as they are; an entry
// without them, and each registry of credHelpers, is read from the
// credential helper docker would use for it, if opts allows. Entries with
// only an identity token, or nothing, are skipped.
//
// The uri is the registry of the key (see RegistryURI); the id is derived
// from the uri (see DeriveID). Two keys naming the same registry give one
// connection: docker's own key for it wins.
func DockerConfig(r io.Reader, name string, opts DockerOptions) (*Result, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "cannot read %s: %v", name, err)
	}
	cf := configfile.New(name)
	if err := cf.LoadFromReader(bytes.NewReader(data)); err != nil {
		return nil, tether.Errorf(tether.EINVALID, "%s: %s", name, dockerLoadProblem(data, err))
	}
	res := &Result{}
	var found []registryCreds
	for _, src := range dockerSources(cf) {
		if rc, ok := resolveCreds(cf, src, opts, res); ok {
			found = append(found, rc)
		}
	}
	addDockerConnections(res, found, opts.IDPrefix)
	sortResult(res)
	return res, nil
}

// registryCreds is a registry's credentials, read from the file or from a
// credential helper.
type registryCreds struct {
	key  string // the auths or credHelpers key
	uri  string
	auth types.AuthConfig
}

// resolveCreds returns the username and password of a source entry, or
// records in res why it has none.
func resolveCreds(cf *configfile.ConfigFile, src dockerSource, opts DockerOptions, res *Result) (registryCreds, bool) {
	rc := registryCreds{key: src.key, uri: RegistryURI(src.key), auth: src.auth}
	if rc.uri == "" {
		res.skipf(src.key, "not a registry address")
		return rc, false
	}
	if !hasCreds(rc.auth) && src.helper != "" {
		if !opts.CredentialHelpers {
			res.skipf(src.key, "its credentials are kept by the credential helper %s, which was not run", helperProgram(src.helper))
			return rc, false
		}
		auth, reason := helperCreds(cf, src)
		if reason != "" {
			res.skipf(src.key, "%s", reason)
			return rc, false
		}
		rc.auth = auth
	}
	if reason := credsProblem(rc.auth); reason != "" {
		res.skipf(src.key, "%s", reason)
		return rc, false
	}
	return rc, true
}

// hasCreds reports whether an entry carries credentials of its own.
func hasCreds(a types.AuthConfig) bool {
	return a.Username != "" || a.Password != "" || a.IdentityToken != "" || a.RegistryToken != ""
}

// credsProblem returns why a's credentials cannot make a docker connection
// (which needs a username and a password), or "".
func credsProblem(a types.AuthConfig) string {
	switch {
	case a.Username != "" && a.Password != "":
		return ""
	case a.Username == "" && (a.IdentityToken != "" || a.RegistryToken != ""):
		return "it holds only an identity or registry token, not a username and password"
	case a.Username != "":
		return "it has a username but no password"
	case a.Password != "":
		return "it has a password but no username"
	}
	return "it holds no credentials"
}

// addDockerConnections adds a connection per registry to res. Where two
// registries derive the same id, the one under docker's own key wins and
// the other is skipped.
func addDockerConnections(res *Result, found []registryCreds, prefix string) {
	sort.SliceStable(found, func(i, j int) bool {
		ci, cj := found[i].key == dockerKey(found[i].uri), found[j].key == dockerKey(found[j].uri)
		if ci != cj {
			return ci
		}
		return found[i].key < found[j].key
	})
	taken := map[string]string{} // id -> key
	for _, rc := range found {
		id := DeriveID(prefix, rc.uri)
		switch other, dup := taken[id]; {
		case id == "":
			res.skipf(rc.key, "no valid connection id can be derived from %q", rc.uri)
		case dup:
			res.skipf(rc.key, "it would get the id %q of registry %q", id, other)
		default:
			taken[id] = rc.key
			res.Connections = append(res.Connections, dockerConnection(id, rc))
		}
	}
}

// dockerConnection is the docker connection of a registry's credentials.
func dockerConnection(id string, rc registryCreds) *tether.Connection {
	return &tether.Connection{
		Kind: tether.Kind,
		ID:   id,
		Spec: tether.ConnectionSpec{
			Type:        "docker",
			URI:         rc.uri,
			Username:    rc.auth.Username,
			Password:    tether.Secret(base64.StdEncoding.EncodeToString([]byte(rc.auth.Password))),
			Description: "Imported from a docker config.json",
		},
	}
}

// pathError drops the path an *os.PathError repeats.
func pathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
