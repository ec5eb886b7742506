package tether

import (
	"context"
	"net"
	"net/http"
	"time"
)

// A connection test (a probe) proves a connection's credential and target
// with the smallest call its tools make: s3 lists one key under the uri's
// prefix, docker authenticates and lists the repository's tags, git runs
// an ls-remote pinned to the host key... Each type declares its own
// (ConnectionType.Probe); the server runs it with the stored secrets and
// answers only whether it worked, never the secrets.

// PermTest lets a caller run a connection test on the server, with the
// stored secrets, and read its result; the user role holds it. The secrets
// stay on the server.
const PermTest Permission = "connections.test"

// ProbeResult is the outcome of one connection test. The last one run on
// the server is kept with the connection (ConnectionStatus.LastTest).
type ProbeResult struct {
	// OK is whether the credential and the target worked.
	OK bool `json:"ok"`
	// Message says what was proved, or what failed, in words safe to
	// show: no secret, signature or token, no query string.
	Message string `json:"message"`
	// LatencyMS is how long the test took, in milliseconds.
	LatencyMS int64 `json:"latencyMs"`
	// At is when the test ended.
	At time.Time `json:"at"`
	// From is where it ran: "server" (with the server's host name) or
	// "local" (the caller's machine, `tether conn test --local`).
	From string `json:"from"`
	// Version is the connection version tested; 0 for an unsaved one.
	Version int64 `json:"version,omitempty"`
}

// ProbeEnv is what a type's probe may use to reach its target: nothing
// else. On the server both go through the egress policy (the addresses an
// operator permits, resolved once, with timeouts); on the caller's machine
// (--local) they are plain.
type ProbeEnv struct {
	// HTTP is the client of HTTP targets. Its errors may carry the URL:
	// a probe returns its own message, not theirs.
	HTTP *http.Client
	// Dial connects to a TCP target (host:port), e.g. for SSH.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// ProbeService runs connection tests on the server.
type ProbeService interface {
	// Test runs the test of stored connection ns/id with its secrets,
	// keeps the result with the connection (ConnectionStatus.LastTest,
	// which changes neither its version nor its spec) and returns it. A
	// test that ran and failed is a result with OK false, not an error;
	// errors are for a test that could not run (ENOTFOUND, EFORBIDDEN,
	// EINVALID for a type with no test, ETHROTTLED when too many run at
	// once).
	Test(ctx context.Context, ns, id string) (*ProbeResult, error)
	// TestSpec runs the test of c, a connection that is not stored (as
	// Airflow tests an unsaved form): it needs the write permission in ns
	// as well, since its caller chooses the target. Nothing is kept.
	TestSpec(ctx context.Context, ns string, c *Connection) (*ProbeResult, error)
}
