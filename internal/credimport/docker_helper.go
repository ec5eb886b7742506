package credimport

import (
	"fmt"
	"os/exec"

	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/credentials"
	"github.com/docker/cli/cli/config/types"

	"github.com/tether-ml/tether"
)

// helperNamePattern is what a credential helper's name may be: the suffix
// of a program name, never a path.
var helperNamePattern = tether.NewPattern(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// helperProgram is the program docker runs for a credential helper.
func helperProgram(helper string) string { return "docker-credential-" + helper }

// helperCreds reads the credentials of src from its credential helper,
// through docker's client of the helper protocol: the helper is a program
// found in PATH, asked on its stdin and answering on its stdout, so the
// secret is never in a command line or an environment. It returns the
// credentials, or why there are none. A failing helper's output is not
// repeated: it may hold what the helper keeps.
func helperCreds(cf *configfile.ConfigFile, src dockerSource) (types.AuthConfig, string) {
	prog := helperProgram(src.helper)
	if !helperNamePattern.MatchString(src.helper) {
		return types.AuthConfig{}, fmt.Sprintf("its credential helper %q is not a valid helper name", src.helper)
	}
	if _, err := exec.LookPath(prog); err != nil {
		return types.AuthConfig{}, fmt.Sprintf("its credentials are kept by the credential helper %s, which is not in PATH", prog)
	}
	auth, err := credentials.NewNativeStore(cf, src.helper).Get(src.query)
	switch {
	case err != nil:
		return types.AuthConfig{}, fmt.Sprintf("the credential helper %s failed to read its credentials", prog)
	case !hasCreds(auth):
		return types.AuthConfig{}, fmt.Sprintf("the credential helper %s holds no credentials for it", prog)
	}
	return auth, ""
}
