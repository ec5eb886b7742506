package credimport

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/credentials"
	"github.com/docker/cli/cli/config/types"
)

// hubKey is the key docker keeps Docker Hub's credentials under.
const hubKey = "https://index.docker.io/v1/"

// dockerSource is one registry a docker config knows credentials for.
type dockerSource struct {
	key    string           // the auths or credHelpers key, as written
	query  string           // the key to ask a credential helper for
	auth   types.AuthConfig // the entry's own credentials, if any
	helper string           // the credential helper docker would ask, if any
}

// dockerSources lists every auths entry, then every registry of credHelpers
// that has none, in key order.
func dockerSources(cf *configfile.ConfigFile) []dockerSource {
	var out []dockerSource
	seen := map[string]bool{}
	for _, key := range slices.Sorted(maps.Keys(cf.AuthConfigs)) {
		out = append(out, dockerSource{key: key, query: key, auth: cf.AuthConfigs[key], helper: helperFor(cf, key)})
		seen[RegistryURI(key)] = true
	}
	for _, host := range slices.Sorted(maps.Keys(cf.CredentialHelpers)) {
		if uri := RegistryURI(host); !seen[uri] {
			seen[uri] = true
			out = append(out, dockerSource{key: host, query: dockerKey(uri), helper: cf.CredentialHelpers[host]})
		}
	}
	return out
}

// helperFor returns the credential helper docker would ask for the
// registry of key: the one credHelpers names for it, else credsStore.
func helperFor(cf *configfile.ConfigFile, key string) string {
	host, _, _ := strings.Cut(RegistryURI(key), "/")
	for _, k := range []string{key, credentials.ConvertToHostname(key), host} {
		if h, ok := cf.CredentialHelpers[k]; ok {
			return h
		}
	}
	return cf.CredentialsStore
}

// RegistryURI maps a key of a docker config's auths (or credHelpers) to the
// uri of a docker connection: the registry host[:port], lowercased, without
// the scheme, and with its path only if that is more than an API version
// ("/v1/", "/v2/"). Docker Hub's names (index.docker.io,
// registry-1.docker.io, registry.hub.docker.com, and the key docker keeps
// its credentials under, "https://index.docker.io/v1/") all map to
// docker.io, the name image references use. User information before an
// '@' is dropped. It returns "" for a key with no host.
func RegistryURI(key string) string {
	s := strings.TrimSpace(key)
	if _, rest, ok := strings.Cut(s, "://"); ok {
		s = rest
	}
	host, path, _ := strings.Cut(s, "/")
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:] // user:password@ has no place in a uri, which is not secret
	}
	host = strings.ToLower(host)
	switch host {
	case "":
		return ""
	case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		host = "docker.io"
	}
	path = strings.Trim(path, "/")
	if path == "" || path == "v1" || path == "v2" {
		return host
	}
	return host + "/" + path
}

// dockerKey is the key docker itself keeps the credentials of uri under.
func dockerKey(uri string) string {
	if uri == "docker.io" {
		return hubKey
	}
	return uri
}

// dockerLoadProblem says what is wrong with a config docker's parser
// refused, without quoting the file: it may hold secrets.
func dockerLoadProblem(data []byte, err error) string {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		line, col := position(data, syntax.Offset)
		return fmt.Sprintf("not valid JSON: syntax error at line %d, column %d", line, col)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "not valid JSON: it ends too soon"
	case errors.As(err, &typ):
		kind, _, _ := strings.Cut(typ.Value, " ") // "number 5" would quote the value
		field := "the top level"
		if typ.Field != "" {
			field = strconv.Quote(typ.Field)
		}
		return fmt.Sprintf("not a docker config: %s must not be a JSON %s", field, kind)
	}
	if key := badAuthKey(data); key != "" {
		return fmt.Sprintf("auths[%q].auth is not the base64 of username:password", key)
	}
	return "an auths entry's auth is not the base64 of username:password"
}

// badAuthKey returns the first auths key whose auth docker cannot decode.
func badAuthKey(data []byte) string {
	var raw struct {
		Auths map[string]struct {
			Auth string `json:"auth"`
		} `json:"auths"`
	}
	if json.Unmarshal(data, &raw) != nil {
		return ""
	}
	for _, key := range slices.Sorted(maps.Keys(raw.Auths)) {
		auth := raw.Auths[key].Auth
		b, err := base64.StdEncoding.DecodeString(auth)
		user, _, ok := strings.Cut(string(b), ":")
		if auth != "" && (err != nil || !ok || user == "") {
			return key
		}
	}
	return ""
}

// position returns the 1-based line and column of the byte a JSON syntax
// error reports: the last one of the first off bytes.
func position(data []byte, off int64) (line, col int) {
	idx := min(max(off-1, 0), int64(len(data)))
	before := string(data[:idx])
	return 1 + strings.Count(before, "\n"), int(idx) - strings.LastIndexByte(before, '\n')
}
