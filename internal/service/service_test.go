package service_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/service"
	"github.com/tether-ml/tether/internal/sqlite"
)

type fixture struct {
	ctx   context.Context
	store *sqlite.DB
	keys  *seal.Keyring
	conns *service.Connections
	dir   string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kr, err := seal.Create(filepath.Join(dir, "key"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := tether.WithIdentity(context.Background(), &tether.Identity{Subject: tether.BootstrapSubject})
	return &fixture{ctx: ctx, store: st, keys: kr, dir: dir, conns: service.New(st, kr, conntype.New(), nil).Connections}
}

func docker(id, password string) *tether.Connection {
	return &tether.Connection{ID: id, Spec: tether.ConnectionSpec{
		Type: "docker", URI: "registry.example:5000", Username: "bot", Password: tether.Secret(password)}}
}

func TestConcurrentUnconditionalUpdatesAllLand(t *testing.T) {
	f := newFixture(t)
	if _, err := f.conns.Create(f.ctx, "default", docker("reg", "cGFzcw==")); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := docker("reg", "")
			c.Spec.Description = string(rune('a' + i))
			_, err := f.conns.Update(f.ctx, "default", c, tether.UpdateOptions{})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("update: %v", err)
		}
	}
	got, err := f.conns.Reveal(f.ctx, "default", "reg")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.Version != n+1 || got.Spec.Password != "cGFzcw==" {
		t.Errorf("version %d (want %d), password kept: %v", got.Status.Version, n+1, got.Spec.Password == "cGFzcw==")
	}
}

func TestConcurrentConditionalUpdatesOneWins(t *testing.T) {
	f := newFixture(t)
	if _, err := f.conns.Create(f.ctx, "default", docker("reg", "cGFzcw==")); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	codes := make(chan string, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.conns.Update(f.ctx, "default", docker("reg", "bmV3"), tether.UpdateOptions{Version: 1})
			codes <- tether.ErrorCode(err)
		}()
	}
	wg.Wait()
	close(codes)
	count := map[string]int{}
	for c := range codes {
		count[c]++
	}
	if count[""] != 1 || count[tether.ECONFLICT] != n-1 {
		t.Errorf("outcomes %v, want exactly one success and %d conflicts", count, n-1)
	}
}

func TestUnauthenticatedAndForbiddenCallers(t *testing.T) {
	f := newFixture(t)
	if _, err := f.conns.Get(context.Background(), "default", "x"); tether.ErrorCode(err) != tether.EUNAUTHORIZED {
		t.Errorf("no identity: %v", err)
	}
	other := tether.WithIdentity(context.Background(), &tether.Identity{Subject: "user:mallory"})
	_, err := f.conns.Reveal(other, "default", "x")
	if tether.ErrorCode(err) != tether.ENOTFOUND || tether.ErrorMessage(err) != `connection "x" not found` {
		t.Errorf("forbidden: %v", err)
	}
}

func TestVerifyKeysRefusesAnotherKeyring(t *testing.T) {
	f := newFixture(t)
	if err := service.VerifyKeys(f.ctx, f.store, f.keys, "key"); err != nil {
		t.Fatal(err)
	}
	if err := service.VerifyKeys(f.ctx, f.store, f.keys, "key"); err != nil {
		t.Fatalf("second start with the same key: %v", err)
	}
	other, err := seal.Create(filepath.Join(f.dir, "other-key"))
	if err != nil {
		t.Fatal(err)
	}
	err = service.VerifyKeys(f.ctx, f.store, other, "other-key")
	if tether.ErrorCode(err) != tether.EINVALID {
		t.Fatalf("another key file was accepted: %v", err)
	}
}

func TestRotationRewrapsEveryRecord(t *testing.T) {
	f := newFixture(t)
	for _, id := range []string{"a", "b", "c"} {
		if _, err := f.conns.Create(f.ctx, "default", docker(id, "cGFzcw==")); err != nil {
			t.Fatal(err)
		}
	}
	keys := service.New(f.store, f.keys, conntype.New(), nil).Keys
	var calls [][2]int
	keyID, err := keys.Rotate(f.ctx, func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := f.store.CountRecordsNotWrappedBy(f.ctx, keyID); n != 0 || keyID != f.keys.PrimaryKeyID() {
		t.Errorf("%d records not on the new key %s", n, keyID)
	}
	if len(calls) == 0 || calls[len(calls)-1] != [2]int{3, 3} {
		t.Errorf("progress calls %v", calls)
	}
	for _, id := range []string{"a", "b", "c"} {
		if c, err := f.conns.Reveal(f.ctx, "default", id); err != nil || c.Spec.Password != "cGFzcw==" {
			t.Errorf("reveal %s after rotation: %v", id, err)
		}
	}
	if err := service.VerifyKeys(f.ctx, f.store, f.keys, "key"); err != nil {
		t.Errorf("verify after rotation: %v", err)
	}
}
