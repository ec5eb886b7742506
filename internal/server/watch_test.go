package server

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	thttp "github.com/tether-ml/tether/http"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/service"
	"github.com/tether-ml/tether/internal/sqlite"
)

// TestWatchOutlastsTimeouts: with the server's read and write timeouts at
// 300ms and bookmarks 1.5s apart, a watch stays open across several
// timeouts with nothing to send, and still delivers the change written
// after them.
func TestWatchOutlastsTimeouts(t *testing.T) {
	const timeout = 300 * time.Millisecond
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	kr, err := seal.Create(filepath.Join(dir, "key"))
	if err != nil {
		t.Fatal(err)
	}
	set := service.New(st, kr, conntype.New(), nil)
	go func() { _ = st.WatchChanges(t.Context(), set.Connections.Wake) }()
	token := "watch-timeout-admin-token"
	tokenFile := filepath.Join(dir, "admin.token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := service.NewTokens(st).Bootstrap(t.Context(), tokenFile, ""); err != nil {
		t.Fatal(err)
	}
	h := thttp.NewServer(thttp.Deps{Connections: set.Connections, Auth: set.Authn, Watch: set.Connections,
		WatchBookmark: 1500 * time.Millisecond})
	limits := serverLimits{readTimeout: timeout, writeTimeout: timeout, idleTimeout: timeout}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = limits.httpServer(h, slog.New(slog.DiscardHandler))
	srv.Start()
	defer srv.Close()

	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/api/v1/connection?watch=true", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	<-lines // the initial bookmark
	time.Sleep(2 * time.Second)
	admin := tether.WithIdentity(context.Background(), &tether.Identity{Subject: tether.BootstrapSubject})
	c := &tether.Connection{ID: "late", Spec: tether.ConnectionSpec{Type: "docker", URI: "reg.example", Username: "u", Password: "cGFzcw=="}}
	if _, err := set.Connections.Create(admin, "default", c); err != nil {
		t.Fatal(err)
	}
	for line := range lines {
		if strings.Contains(line, `"ADDED"`) && strings.Contains(line, `"late"`) {
			return
		}
	}
	t.Error("the watch ended before the change written after the server's timeouts")
}
