package service_test

import (
	"bytes"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/backup"
	"github.com/tether-ml/tether/internal/conntype"
	"github.com/tether-ml/tether/internal/seal"
	"github.com/tether-ml/tether/internal/service"
)

// expiryRegistry is the real type registry, but the docker type tells an
// expiry from its revealed password: "expires=RFC3339" (base64 on the
// wire, as every password), with words of its own after a space.
type expiryRegistry struct{ tether.TypeRegistry }

// Type implements tether.TypeRegistry.
func (r expiryRegistry) Type(name string) *tether.ConnectionType {
	t := r.TypeRegistry.Type(name)
	if t == nil || name != "docker" {
		return t
	}
	c := *t
	c.Expiry = func(c *tether.Connection) *tether.Expiry {
		b, _ := base64.StdEncoding.DecodeString(string(c.Spec.Password))
		v, ok := strings.CutPrefix(string(b), "expires=")
		if !ok {
			return nil
		}
		stamp, what, _ := strings.Cut(v, " ")
		at, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			return nil
		}
		return &tether.Expiry{At: at, What: what}
	}
	return &c
}

// expiringPassword is a docker password whose expiry the expiryRegistry
// tells.
func expiringPassword(v string) string {
	return base64.StdEncoding.EncodeToString([]byte("expires=" + v))
}

// TestExpiryStored: the expiry a type tells from a connection's secrets is
// computed on create, on update (from the merged secrets, when a masked
// one keeps the stored value) and on restore, kept with the record, and
// returned by Get, List and Reveal; one that is gone is cleared.
func TestExpiryStored(t *testing.T) {
	eachProbeStore(t, func(t *testing.T, open storeOpener) {
		st := open(t)
		kr, err := seal.Create(filepath.Join(t.TempDir(), "key"))
		if err != nil {
			t.Fatal(err)
		}
		if err := service.PutKeyCheck(t.Context(), st, kr); err != nil {
			t.Fatal(err)
		}
		types := expiryRegistry{conntype.New()}
		set := service.New(st, kr, types, nil)
		admin := as(tether.BootstrapSubject, "")
		sas := &tether.Expiry{At: time.Date(2030, 1, 2, 3, 4, 5, 123456000, time.UTC), What: "SAS\x00token"}
		later := &tether.Expiry{At: time.Date(2031, 6, 7, 8, 9, 10, 0, time.UTC), What: "SAS token"}
		steps := []struct {
			name     string
			password string
			want     *tether.Expiry
		}{
			{"create", expiringPassword("2030-01-02T05:04:05.123456789+02:00 SAS\x00token"), sas},
			{"update keeping the secret", "", sas},
			{"update with a new secret", expiringPassword("2031-06-07T08:09:10Z SAS token"), later},
			{"update with a secret without expiry", base64.StdEncoding.EncodeToString([]byte("plain")), nil},
			{"update with an expiry again", expiringPassword("2030-01-02T03:04:05.123456Z SAS token"), &tether.Expiry{At: sas.At, What: "SAS token"}},
		}
		for i, step := range steps {
			c := docker("reg", step.password)
			c.Spec.Description = step.name
			if i == 0 {
				_, err = set.Connections.Create(admin, "default", c)
			} else {
				_, err = set.Connections.Update(admin, "default", c, tether.UpdateOptions{})
			}
			if err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			if step.want != nil && step.want.What == "SAS\x00token" {
				step.want = &tether.Expiry{At: step.want.At, What: "SAStoken"} // no control character is kept
			}
			wantExpiry(t, set, step.name, step.want)
		}
		restored := open(t)
		if err := service.PutKeyCheck(t.Context(), restored, kr); err != nil {
			t.Fatal(err)
		}
		into := service.New(restored, kr, types, nil)
		var file bytes.Buffer // a backup file carries no expiry: the restore tells it again
		if err := set.Backups.Backup(admin, func(d *tether.Dump) error { return backup.Write(&file, d, backup.Options{}) }); err != nil {
			t.Fatalf("backup: %v", err)
		}
		if err := into.Backups.Restore(admin, func() (*tether.Dump, error) { return backup.Read(&file) }); err != nil {
			t.Fatalf("restore: %v", err)
		}
		wantExpiry(t, into, "restored", &tether.Expiry{At: sas.At, What: "SAS token"})
	})
}

// wantExpiry checks the expiry of default/reg as Get, List and Reveal
// return it.
func wantExpiry(t *testing.T, set *service.Set, step string, want *tether.Expiry) {
	t.Helper()
	admin := as(tether.BootstrapSubject, "")
	got, err := set.Connections.Get(admin, "default", "reg")
	if err != nil {
		t.Fatalf("%s: Get: %v", step, err)
	}
	list, err := set.Connections.List(admin, "default", tether.ConnectionFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("%s: List: %d connections, %v", step, len(list), err)
	}
	revealed, err := set.Connections.Reveal(admin, "default", "reg")
	if err != nil {
		t.Fatalf("%s: Reveal: %v", step, err)
	}
	for _, c := range []struct {
		how string
		got *tether.Expiry
	}{{"Get", got.Status.Expiry}, {"List", list[0].Status.Expiry}, {"Reveal", revealed.Status.Expiry}} {
		if d := cmp.Diff(want, c.got); d != "" {
			t.Errorf("%s: expiry from %s (-want +got):\n%s", step, c.how, d)
		}
	}
}
