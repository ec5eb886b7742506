package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/client"
	"github.com/tether-ml/tether/internal/bench"
	"github.com/tether-ml/tether/internal/cli"
)

// benchNamespace holds the benchmark's connections.
const benchNamespace = "bench"

// benchServer is a "tether server" subprocess on a fresh data directory,
// with a reader (role user) and a writer (role editor) token for the
// benchmark namespace.
type benchServer struct {
	cmd    *exec.Cmd
	dir    string
	URL    string
	Proc   bench.Process
	Admin  *client.Client
	Reader string // token of role user on benchNamespace only
	Writer string // token of role editor on benchNamespace only
	Pprof  string // URL of the server's profiles, when asked for
}

// startBenchServer starts "exe server" on the data directory dir (SQLite,
// or the PostgreSQL database db) on a free loopback port. Stop removes dir.
func startBenchServer(ctx context.Context, exe, dir, db string, profile bool) (*benchServer, error) {
	args := []string{"server", "--data-dir", dir, "--addr", "127.0.0.1:0", "--log-format", "json"}
	if db != "" {
		args = append(args, "--db", db)
	}
	s := &benchServer{dir: dir}
	if profile {
		addr, err := freeLoopbackAddr()
		if err != nil {
			return nil, err
		}
		args, s.Pprof = append(args, "--pprof-addr", addr), "http://"+addr
	}
	s.cmd = exec.Command(exe, args...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, tether.Internal("server.bench", err)
	}
	if err := s.cmd.Start(); err != nil {
		return nil, tether.Internal("server.bench", err)
	}
	s.Proc = bench.Process{PID: s.cmd.Process.Pid}
	if s.URL, err = awaitListening(stderr); err != nil {
		s.Stop()
		return nil, err
	}
	if err := s.setUp(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// freeLoopbackAddr returns a loopback address nothing listens on.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", tether.Internal("server.bench", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Profile fetches a CPU profile of the server over d into path.
func (s *benchServer) Profile(d time.Duration, path string) error {
	url := s.Pprof + "/debug/pprof/profile?seconds=" + strconv.Itoa(max(1, int(d.Seconds())))
	resp, err := http.Get(url)
	if err != nil {
		return tether.Errorf(tether.EUNAVAILABLE, "profile: %v", err)
	}
	defer resp.Body.Close()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return tether.Errorf(tether.EINVALID, "profile: %v", err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return tether.Internal("server.bench", err)
	}
	return f.Close()
}

// awaitListening reads the server's JSON log until its "listening" record
// and returns its URL; the rest of the log is drained.
func awaitListening(stderr io.Reader) (string, error) {
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var rec struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "listening" {
				found <- rec.URL
				break
			}
		}
		close(found)
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case url, ok := <-found:
		if ok {
			return url, nil
		}
	case <-time.After(2 * time.Minute):
	}
	return "", tether.Errorf(tether.EUNAVAILABLE, "the benchmark's server did not start")
}

// setUp makes the role bindings and the two tokens (the namespace exists:
// seedBench made it).
func (s *benchServer) setUp(ctx context.Context) error {
	admin, err := client.NewClient(s.URL, func() (string, error) {
		return client.ReadTokenFile(filepath.Join(s.dir, cli.AdminTokenName))
	}, nil)
	if err != nil {
		return err
	}
	s.Admin = admin
	for subject, role := range map[string]tether.Role{"user:bench-reader": tether.RoleUser, "user:bench-writer": tether.RoleEditor} {
		_, err := admin.CreateRoleBinding(ctx, tether.RoleBinding{Subject: subject, Role: role, Namespace: benchNamespace})
		if err != nil && tether.ErrorCode(err) != tether.ECONFLICT {
			return err
		}
		tok, err := admin.CreateToken(ctx, subject, 0)
		if err != nil {
			return err
		}
		if role == tether.RoleUser {
			s.Reader = tok.Token
		} else {
			s.Writer = tok.Token
		}
	}
	return nil
}

// Stop kills the server and removes its data directory.
func (s *benchServer) Stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
	_ = os.RemoveAll(s.dir)
}

// startFloor starts the floor server, "tether bench floor", answering a
// body of size bytes, and returns its URL and a function that stops it.
func startFloor(size int) (string, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, tether.Internal("server.bench", err)
	}
	cmd := exec.Command(exe, "bench", "floor", "--size", strconv.Itoa(size))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, tether.Internal("server.bench", err)
	}
	if err := cmd.Start(); err != nil {
		return "", nil, tether.Internal("server.bench", err)
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, tether.Internal("server.bench", errors.New("the floor server did not start"))
	}
	return "http://" + line[:len(line)-1], stop, nil
}
