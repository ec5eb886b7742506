package conntype_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

// TestGitProbe runs the ls-remote of the test repository over the test
// SSH server, with its host key pinned.
func TestGitProbe(t *testing.T) {
	var f sshdFixtures
	sshdService.fixtures(t, &f)
	key := readFile(t, f.PrivateKeyFile)
	other := newSSHKeys(t)
	with := func(mut func(c *tether.Connection)) *tether.Connection {
		c := gitConn(t, f, f.HostPublicKey)
		mut(c)
		return c
	}
	repoPath := strings.TrimPrefix(f.RepoURL, fmt.Sprintf("ssh://%s@%s:%d", f.User, f.Host, f.Port))
	refs := localRefCount(t, repoPath)
	runProbeCases(t, []probeCase{
		{name: "working", conn: with(func(*tether.Connection) {}), msg: refs + " refs at " + f.RepoURL},
		{name: "known_hosts line", conn: with(func(c *tether.Connection) {
			c.Spec.PublicKey = b64("# pinned\n[" + f.Host + "]:2222 " + f.HostPublicKey + "\n")
		}), msg: refs + " refs at " + f.RepoURL},
		{name: "scp-like uri", conn: with(func(c *tether.Connection) {
			c.Spec.URI = f.User + "@" + f.Host + ":" + repoPath
			c.Spec.PublicKey = b64(f.HostPublicKey)
		}), env: portEnv(t, map[string]string{f.Host + ":22": fmt.Sprintf("%s:%d", f.Host, f.Port)}),
			msg: refs + " refs at " + f.User + "@" + f.Host + ":" + repoPath},
		{name: "wrong key", conn: with(func(c *tether.Connection) { c.Spec.KeySecret = tether.Secret(b64(other.private)) }),
			code: tether.EUNAUTHORIZED, msg: "refused the key of user " + f.User},
		{name: "wrong host key", conn: gitConn(t, f, f.OtherHostPublicKey),
			code: tether.EUNAUTHORIZED, msg: "host key"},
		{name: "revoked host key", conn: with(func(c *tether.Connection) {
			c.Spec.PublicKey = b64(f.OtherHostPublicKey + "\n@revoked * " + f.HostPublicKey + "\n")
		}), code: tether.EUNAUTHORIZED, msg: "host key"},
		{name: "missing repository", conn: with(func(c *tether.Connection) {
			c.Spec.URI = strings.TrimSuffix(f.RepoURL, "repo.git") + "absent.git"
		}), code: tether.ENOTFOUND, msg: "no git repository at "},
		{name: "no publicKey", conn: with(func(c *tether.Connection) { c.Spec.PublicKey = "" }),
			code: tether.EINVALID, msg: "needs spec.publicKey"},
		{name: "unreachable port", conn: with(func(c *tether.Connection) {
			c.Spec.URI = "ssh://" + f.User + "@" + closedPort(t) + repoPath
		}), code: tether.EUNAVAILABLE, msg: "connection refused"},
		{name: "stalled server", conn: with(func(c *tether.Connection) {
			c.Spec.URI = "ssh://" + f.User + "@" + stalledAddr(t) + repoPath
		}), timeout: time.Second, code: tether.EUNAVAILABLE, msg: "timed out"},
		{name: "refused address", conn: with(func(*tether.Connection) {}), env: refusingProbeEnv(),
			code: tether.EFORBIDDEN, msg: "is not allowed"},
	}, key, b64(key), other.private, strings.TrimSpace(strings.Split(key, "\n")[1]))
}

// localRefCount counts the refs `git ls-remote` lists in the repository at
// path, read from the disk: the count the probe must find over SSH.
func localRefCount(t *testing.T, path string) string {
	t.Helper()
	// The repository belongs to the SSH server's user: git reads it only
	// if it is declared safe.
	global := filepath.Join(t.TempDir(), "gitconfig")
	if err := os.WriteFile(global, []byte("[safe]\n\tdirectory = *\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(testContext(t), "git", "ls-remote", path)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+global)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-remote %s: %v", path, err)
	}
	n := strings.Count(string(out), "\n")
	if n == 0 {
		t.Fatalf("the test repository %s has no refs", path)
	}
	return strconv.Itoa(n)
}

// portEnv is a plain environment whose Dial fails the test for an
// address routes does not hold, and dials the one it maps the address to:
// it proves the addresses a probe asks for, and gives names to local
// servers.
func portEnv(t *testing.T, routes map[string]string) *tether.ProbeEnv {
	env := plainProbeEnv()
	dial := env.Dial
	env.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
		to, ok := routes[address]
		if !ok {
			t.Errorf("probe dialled %s, want one of %v", address, routes)
			return nil, errors.New("unexpected address")
		}
		return dial(ctx, network, to)
	}
	return &env
}
