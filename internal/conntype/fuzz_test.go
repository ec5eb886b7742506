package conntype_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// FuzzValidate decodes arbitrary JSON as a connection and validates it:
// Validate must never panic, must fail only with an EINVALID *tether.Error,
// and a connection it accepts must be accepted again, unchanged.
func FuzzValidate(f *testing.F) {
	for _, ex := range odahuExamples {
		f.Add(ex.json)
	}
	for _, ct := range conntype.New().Types() {
		c := validConn(f, ct.Name)
		c.Spec.Parameters = tether.Params{"endpoint": "http://127.0.0.1:9000", "forcePathStyle": "true"}
		data, err := json.Marshal(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	for _, typ := range []string{"s3", "docker"} {
		c := validConn(f, typ)
		c.Spec.Parameters = tether.Params{"caBundle": b64(newTestCA(f).certPEM)}
		data, err := json.Marshal(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	r := conntype.New()
	f.Fuzz(func(t *testing.T, data string) {
		c, err := tether.DecodeConnection([]byte(data))
		if err != nil {
			return
		}
		if err := r.Validate(c); err != nil {
			var te *tether.Error
			if !errors.As(err, &te) || te.Code != tether.EINVALID {
				t.Fatalf("Validate: %#v, want an EINVALID *tether.Error", err)
			}
			if again := r.Validate(c); again == nil || again.Error() != err.Error() {
				t.Fatalf("second Validate gave %v, first gave %v", again, err)
			}
			return
		}
		before := c.Clone()
		if err := r.Validate(c); err != nil {
			t.Fatalf("second Validate rejected what the first accepted: %v", err)
		}
		if diff := cmp.Diff(before, c); diff != "" {
			t.Fatalf("second Validate changed the connection (-first +second):\n%s", diff)
		}
	})
}
