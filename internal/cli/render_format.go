package cli

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// formatRendering prints r as env, dotenv or json, each variable's name
// after prefix. When its files are not written (unwritten), the variables
// that point at them are left out and json carries the files' contents
// instead.
func formatRendering(format string, r *tether.Rendering, unwritten bool, prefix string) ([]byte, error) {
	env := r.Env
	if unwritten {
		env = r.ValueEnv()
	}
	if prefix != "" {
		named := make(map[string]string, len(env))
		for k, v := range env {
			named[prefix+k] = v
		}
		env = named
	}
	switch format {
	case "json":
		return renderJSON(env, r.Files, unwritten)
	case "dotenv":
		return envLines(env, func(k, v string) string { return k + "=" + dotenvQuote(v) }), nil
	}
	return envLines(env, func(k, v string) string { return "export " + k + "=" + conntype.ShellQuote(v) }), nil
}

// renderJSON is {"env": {...}} plus, for unwritten files, "files".
func renderJSON(env map[string]string, files map[string][]byte, unwritten bool) ([]byte, error) {
	out := struct {
		Env   map[string]string `json:"env"`
		Files map[string]string `json:"files,omitempty"`
	}{Env: env}
	if unwritten && len(files) > 0 {
		out.Files = map[string]string{}
		for name, data := range files {
			out.Files[name] = string(data)
		}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, tether.Internal("cli.renderJSON", err)
	}
	return append(b, '\n'), nil
}

// envLines formats each variable, sorted by name, one per line.
func envLines(env map[string]string, line func(k, v string) string) []byte {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(line(k, env[k]) + "\n")
	}
	return []byte(b.String())
}

// dotenvQuote quotes v for .env files: double quotes with \\, \", \$ and
// \n escaped, which docker compose, python-dotenv and godotenv read back.
func dotenvQuote(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "\n", `\n`)
	return `"` + r.Replace(v) + `"`
}
