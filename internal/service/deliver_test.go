package service_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/egress"
	"github.com/tether-ml/tether/internal/miniotest"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/service"
	"github.com/tether-ml/tether/internal/sqlite"
)

// testRole is a role ARN; MinIO's AssumeRole gives the caller's own
// permissions whatever role is named.
const testRole = "arn:aws:iam::123456789012:role/tether-reader"

// TestDeliverS3RoleOnMinIO delivers an s3 connection with a role through
// the service: the test MinIO's STS exchanges the stored keys, the
// temporary credentials are reused until the connection changes, Reveal
// still gives the stored keys, and each delivery is audited as a reveal.
func TestDeliverS3RoleOnMinIO(t *testing.T) {
	m := miniotest.Load(t)
	bucket := m.Bucket(t)
	st := openSQLite(t)
	f := newProbeFixture(t, func(*testing.T) tether.Store { return st }, nil, service.ProbeOptions{})
	f.conns = service.NewConnections(st, f.keys, conntype.New(), service.NewRBAC(st), service.NewAudit(st, service.NewRBAC(st), nil))
	f.conns.UseEgress(service.ProbeOptions{Policy: egress.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})})
	c := m.Conn("minio", bucket, m.SecretKey)
	c.Spec.Role = testRole
	stored, err := f.conns.Create(f.admin, "default", c)
	if err != nil {
		t.Fatal(err)
	}
	user := as("user:user", "")
	first := deliver(t, f.conns, user, "minio")
	if first.Spec.KeyID.Reveal() == c.Spec.KeyID.Reveal() || first.Spec.Parameters["sessionToken"] == "" {
		t.Fatal("the delivery carries the stored keys, or no session token")
	}
	if e := first.Status.Expiry; e == nil || e.What != "STS session" || time.Until(e.At) < 50*time.Minute {
		t.Errorf("status.expiry %+v, want an STS session of about an hour", e)
	}
	if again := deliver(t, f.conns, user, "minio"); again.Spec.KeyID != first.Spec.KeyID {
		t.Error("a second delivery exchanged again: the credentials are not reused")
	}
	revealed, err := f.conns.Reveal(user, "default", "minio")
	// Reveal shows the stored keys and the expiry they carry (MinIO's CA
	// certificate in caBundle), not the delivery's STS session.
	if err != nil || revealed.Spec.KeyID != c.Spec.KeyID || (revealed.Status.Expiry != nil && revealed.Status.Expiry.What == "STS session") {
		t.Errorf("Reveal = keys %v, expiry %v, %v; want the stored keys and the stored credential's expiry", revealed.Spec.KeyID == c.Spec.KeyID, revealed.Status.Expiry, err)
	}
	stored.Spec.Description = "changed"
	stored.Spec.KeyID, stored.Spec.KeySecret = c.Spec.KeyID, c.Spec.KeySecret
	if _, err := f.conns.Update(f.admin, "default", stored, tether.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if changed := deliver(t, f.conns, user, "minio"); changed.Spec.KeyID == first.Spec.KeyID {
		t.Error("the delivery of a changed connection reused the credentials of its former version")
	}
	events, err := st.ListAudit(t.Context(), tether.AuditFilter{Actions: []string{service.ActionReveal}})
	if err != nil {
		t.Fatal(err)
	}
	var deliveries int
	for _, e := range events {
		if strings.HasPrefix(e.Detail, "delivery, STS session until ") && e.Outcome == tether.OutcomeSuccess {
			deliveries++
		}
	}
	if deliveries != 3 {
		t.Errorf("%d deliveries audited, want 3: %+v", deliveries, events)
	}
}

// TestDeliverRefusals checks who and what cannot be delivered: a caller
// without the reveal permission, an exchange the egress policy refuses,
// keys STS refuses (audited as failed, answered as unavailable with a
// safe message: not the caller's authentication or permission).
func TestDeliverRefusals(t *testing.T) {
	m := miniotest.Load(t)
	st := openSQLite(t)
	f := newProbeFixture(t, func(*testing.T) tether.Store { return st }, nil, service.ProbeOptions{})
	f.conns = service.NewConnections(st, f.keys, conntype.New(), service.NewRBAC(st), service.NewAudit(st, service.NewRBAC(st), nil))
	allowed := service.NewConnections(st, f.keys, conntype.New(), service.NewRBAC(st), service.NewAudit(st, service.NewRBAC(st), nil))
	allowed.UseEgress(service.ProbeOptions{Policy: egress.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})})
	for id, secret := range map[string]string{"minio": m.SecretKey, "wrong-key": m.SecretKey + "x"} {
		c := m.Conn(id, "tether-refused", secret)
		c.Spec.Role = testRole
		if _, err := f.conns.Create(f.admin, "default", c); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name, subject, id, code, msg string
		conns                        *service.Connections
	}{
		{"viewer", "user:viewer", "minio", tether.EFORBIDDEN, "", f.conns},
		{"refused address", "user:user", "minio", tether.EUNAVAILABLE,
			`cannot deliver connection "minio": the server may not reach address 127.0.0.1, refused as loopback`, f.conns},
		{"refused keys", "user:user", "wrong-key", tether.EUNAVAILABLE,
			`cannot deliver connection "wrong-key": STS refused to assume the role with the stored keys (AccessDenied)`, allowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.conns.Deliver(as(tc.subject, ""), "default", tc.id)
			if tether.ErrorCode(err) != tc.code || !strings.Contains(tether.ErrorMessage(err), tc.msg) {
				t.Fatalf("Deliver: %v (%s), want %s with %q", err, tether.ErrorCode(err), tc.code, tc.msg)
			}
			for _, s := range []string{m.SecretKey, m.AccessKey} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q holds a secret", err)
				}
			}
		})
	}
	events, err := st.ListAudit(t.Context(), tether.AuditFilter{Actions: []string{service.ActionReveal}})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) == 0 || events[len(events)-1].Outcome != tether.OutcomeFailed ||
		!strings.HasPrefix(events[len(events)-1].Detail, "delivery: ") {
		t.Errorf("the refused exchange is not audited as a failed delivery: %+v", events)
	}
}

// exchangeRegistry is the real type registry, but the docker type
// exchanges its password with exchange.
type exchangeRegistry struct {
	tether.TypeRegistry
	exchange func(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (*tether.Connection, error)
}

// Type implements tether.TypeRegistry.
func (r exchangeRegistry) Type(name string) *tether.ConnectionType {
	t := r.TypeRegistry.Type(name)
	if t == nil || name != "docker" {
		return t
	}
	c := *t
	c.Exchange = r.exchange
	return &c
}

// TestDeliverReuse checks the cache of delivered credentials: callers
// asking at once share one exchange, the result is reused while more than
// half its lifetime remains, and exchanged again after.
func TestDeliverReuse(t *testing.T) {
	const lifetime = 3 * time.Second
	var calls atomic.Int64
	exchange := func(ctx context.Context, c *tether.Connection, _ tether.ProbeEnv) (*tether.Connection, error) {
		n := calls.Add(1)
		time.Sleep(200 * time.Millisecond) // long enough for the callers to meet
		d := c.Clone()
		d.Spec.Password = tether.Secret(strings.Repeat("A", int(n)) + "==")
		d.Status.Expiry = &tether.Expiry{At: time.Now().Add(lifetime), What: "test token"}
		return d, nil
	}
	st := openSQLite(t)
	f := newProbeFixture(t, func(*testing.T) tether.Store { return st }, nil, service.ProbeOptions{})
	types := exchangeRegistry{TypeRegistry: conntype.New(), exchange: exchange}
	conns := service.NewConnections(st, f.keys, types, service.NewRBAC(st), service.NewAudit(st, service.NewRBAC(st), nil))
	user := as("user:user", "")
	var wg sync.WaitGroup
	got := make([]tether.Secret, 8)
	for i := range got {
		wg.Go(func() {
			c, err := conns.Deliver(user, "default", "reg")
			if err != nil {
				t.Errorf("Deliver: %v", err)
				return
			}
			got[i] = c.Spec.Password
		})
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("%d callers at once made %d exchanges, want 1", len(got), calls.Load())
	}
	for _, p := range got {
		if p != got[0] {
			t.Errorf("callers at once got different credentials: %q", got)
			break
		}
	}
	if p := deliver(t, conns, user, "reg").Spec.Password; p != got[0] || calls.Load() != 1 {
		t.Errorf("a delivery within half the lifetime exchanged again (%d exchanges)", calls.Load())
	}
	time.Sleep(lifetime/2 + 100*time.Millisecond)
	second := deliver(t, conns, user, "reg").Spec.Password
	if second == got[0] || calls.Load() != 2 {
		t.Errorf("a delivery past half the lifetime reused the credential (%d exchanges)", calls.Load())
	}
	// deleted and created again: its version starts over, its credential too
	if err := conns.Delete(f.admin, "default", "reg"); err != nil {
		t.Fatal(err)
	}
	if _, err := conns.Create(f.admin, "default", docker("reg", probeSecret64)); err != nil {
		t.Fatal(err)
	}
	if p := deliver(t, conns, user, "reg").Spec.Password; p == second || calls.Load() != 3 {
		t.Errorf("a connection created again got the credential of the one deleted (%d exchanges)", calls.Load())
	}
}

// openSQLite opens a fresh SQLite store.
func openSQLite(t *testing.T) tether.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// deliver delivers default/id as ctx's caller, failing t on an error.
func deliver(t *testing.T, conns *service.Connections, ctx context.Context, id string) *tether.Connection {
	t.Helper()
	c, err := conns.Deliver(ctx, "default", id)
	if err != nil {
		t.Fatalf("Deliver(%s): %v", id, err)
	}
	return c
}

// BenchmarkDeliver measures a delivery whose short-lived credential is
// reused (the cache's hit) against a plain reveal of the same connection.
func BenchmarkDeliver(b *testing.B) {
	exchange := func(_ context.Context, c *tether.Connection, _ tether.ProbeEnv) (*tether.Connection, error) {
		d := c.Clone()
		d.Status.Expiry = &tether.Expiry{At: time.Now().Add(time.Hour), What: "test token"}
		return d, nil
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	kr, err := seal.Create(filepath.Join(b.TempDir(), "key"))
	if err != nil {
		b.Fatal(err)
	}
	rb := &tether.RoleBinding{ID: "rb-user", Subject: "user:user", Role: tether.RoleUser,
		Namespace: tether.DefaultNamespace, CreatedAt: time.Now()}
	if err := st.CreateRoleBinding(context.Background(), rb); err != nil {
		b.Fatal(err)
	}
	rbac := service.NewRBAC(st)
	conns := service.NewConnections(st, kr, exchangeRegistry{TypeRegistry: conntype.New(), exchange: exchange},
		rbac, service.NewAudit(st, rbac, nil))
	if _, err := conns.Create(as(tether.BootstrapSubject, ""), "default", docker("reg", probeSecret64)); err != nil {
		b.Fatal(err)
	}
	user := as("user:user", "")
	for name, read := range map[string]func() (*tether.Connection, error){
		"reveal":  func() (*tether.Connection, error) { return conns.Reveal(user, "default", "reg") },
		"deliver": func() (*tether.Connection, error) { return conns.Deliver(user, "default", "reg") },
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := read(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
