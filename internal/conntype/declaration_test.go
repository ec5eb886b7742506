package conntype_test

import (
	"strings"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// TestEveryTypeDeclaresWhatItRenders checks, for every registered type,
// that the tests have a valid connection of it (validConn), and that what
// the type declares about its files holds for its rendering: each file
// format's file and each file of its Kubernetes Secret is rendered, and
// its shared files merge.
func TestEveryTypeDeclaresWhatItRenders(t *testing.T) {
	r := conntype.New()
	for _, ct := range r.Types() {
		t.Run(ct.Name, func(t *testing.T) {
			c := validConn(t, ct.Name)
			if err := r.Validate(c); err != nil {
				t.Fatalf("the test connection is invalid: %v", err)
			}
			rd, err := ct.Render(c, "/conn")
			if err != nil {
				t.Fatal(err)
			}
			for _, ff := range ct.Formats {
				if _, ok := rd.Files[ff.File]; !ok || ff.Name == "" || ff.Description == "" {
					t.Errorf("format %+v: no file %s rendered, or undescribed", ff, ff.File)
				}
			}
			if ks := ct.KubeSecret; ks != nil {
				for file := range ks.Keys {
					if _, ok := rd.Files[file]; !ok || !strings.Contains(ks.Type, "/") {
						t.Errorf("Kubernetes Secret %s: file %s not rendered", ks.Type, file)
					}
				}
			}
			if sh := ct.Shared; sh != nil {
				files, err := sh.Merge([]*tether.Rendering{rd, rd})
				if err != nil || len(files) == 0 || sh.Dir == "" || sh.Env == "" {
					t.Errorf("shared files %s (%s): %d files, %v", sh.Dir, sh.Env, len(files), err)
				}
			}
		})
	}
}

// TestNewAddsTypes checks that New's extra types are registered beside the
// built-in ones, after them in declaration order, and that a name given
// twice is refused.
func TestNewAddsTypes(t *testing.T) {
	extra := &tether.ConnectionType{Name: "thrown", Fields: []tether.Field{{Name: "region", Required: true}}}
	r := conntype.New(extra)
	if r.Type("thrown") != extra || r.Type("s3") == nil {
		t.Fatalf("New(thrown) does not know thrown and s3")
	}
	if decl := r.Declared(); decl[len(decl)-1] != extra || len(decl) != len(r.Types()) {
		t.Errorf("Declared does not end with the extra type")
	}
	c := &tether.Connection{ID: "x", Spec: tether.ConnectionSpec{Type: "thrown", URI: "x"}}
	if err := r.Validate(c); err == nil || !strings.Contains(err.Error(), "spec.region: required by type thrown") {
		t.Errorf("Validate of a thrown connection without region: %v", err)
	}
	if err := conntype.New().Validate(c); err == nil || !strings.Contains(err.Error(), `unknown type "thrown"`) {
		t.Errorf("the default registry accepts thrown: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("New accepts a second s3")
		}
	}()
	conntype.New(&tether.ConnectionType{Name: "s3"})
}
