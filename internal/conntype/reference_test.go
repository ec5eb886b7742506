package conntype_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// byReference makes c, an s3 connection, refer to the Secret "aws-keys"
// for its keys, which it then no longer holds.
func byReference(c *tether.Connection) {
	c.Spec.KeyID, c.Spec.KeySecret = "", ""
	c.Spec.SecretRef = &tether.ObjectRef{Name: "aws-keys", Items: []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}}
}

// refCase is a change to an s3 connection that refers to a Secret.
func refCase(name string, mut func(c *tether.Connection), want ...string) typeCase {
	return typeCase{name: name, want: want, mut: func(c *tether.Connection) {
		byReference(c)
		if mut != nil {
			mut(c)
		}
	}}
}

// TestReferences covers the rules of spec.secret and spec.configMap, on
// an s3 connection: every problem at once, by path.
func TestReferences(t *testing.T) {
	const empty = "spec.keyID: must be empty when spec.secret names a Secret: the credentials are in it"
	cases := []typeCase{
		refCase("secret with items", nil),
		refCase("no uri", func(c *tether.Connection) { c.Spec.URI = "" }),
		refCase("bad uri still checked", func(c *tether.Connection) { c.Spec.URI = "http://x" }, "spec.uri"),
		refCase("non-secret required field still required", func(c *tether.Connection) { c.Spec.Region = "" }, "spec.region"),
		refCase("mounted, no items", func(c *tether.Connection) {
			c.Spec.SecretRef = &tether.ObjectRef{Name: "aws-keys", MountPath: "/home/jovyan/.aws"}
		}),
		refCase("mounted items may start with a digit", func(c *tether.Connection) {
			c.Spec.SecretRef = &tether.ObjectRef{Name: "aws-keys", MountPath: "/home/jovyan/.aws", Items: []string{"0-credentials"}}
		}),
		refCase("secret values set", func(c *tether.Connection) {
			c.Spec.KeyID, c.Spec.KeySecret = tether.Secret(b64("AKIA")), tether.Mask
			c.Spec.Parameters = tether.Params{"sessionToken": b64("token")}
		}, "spec.keyID", "spec.keySecret", "spec.parameters.sessionToken"),
		refCase("secret value not base64", func(c *tether.Connection) { c.Spec.KeyID = "not base64!" }, "spec.keyID"),
		refCase("no name", func(c *tether.Connection) { c.Spec.SecretRef.Name = "" }, "spec.secret.name"),
		refCase("name uppercase", func(c *tether.Connection) { c.Spec.SecretRef.Name = "AWS" }, "spec.secret.name"),
		refCase("name with dots", func(c *tether.Connection) { c.Spec.SecretRef.Name = "aws.keys-1.team" }),
		refCase("name empty part", func(c *tether.Connection) { c.Spec.SecretRef.Name = "aws..keys" }, "spec.secret.name"),
		refCase("name too long", func(c *tether.Connection) { c.Spec.SecretRef.Name = strings.Repeat("a", 254) }, "spec.secret.name"),
		refCase("no items, no mount path", func(c *tether.Connection) { c.Spec.SecretRef.Items = nil }, "spec.secret.items"),
		refCase("item not a key", func(c *tether.Connection) { c.Spec.SecretRef.Items = []string{"a/b"} }, "spec.secret.items"),
		refCase("item '..'", func(c *tether.Connection) {
			c.Spec.SecretRef = &tether.ObjectRef{Name: "k", MountPath: "/k", Items: []string{"..a"}}
		}, "spec.secret.items"),
		refCase("item variable starts with a digit", func(c *tether.Connection) { c.Spec.SecretRef.Items = []string{"1KEY"} }, "spec.secret.items"),
		refCase("item twice", func(c *tether.Connection) { c.Spec.SecretRef.Items = []string{"A", "A"} }, "spec.secret.items"),
		refCase("mount path relative", func(c *tether.Connection) { c.Spec.SecretRef.MountPath = "aws" }, "spec.secret.mountPath"),
		refCase("mount path unclean", func(c *tether.Connection) { c.Spec.SecretRef.MountPath = "/a/../b" }, "spec.secret.mountPath"),
		refCase("mount path root", func(c *tether.Connection) { c.Spec.SecretRef.MountPath = "/" }, "spec.secret.mountPath"),
		refCase("configMap alone", func(c *tether.Connection) {
			c.Spec.SecretRef = nil
			c.Spec.ConfigMapRef = &tether.ObjectRef{Name: "aws-settings", Items: []string{"AWS_REGION"}}
		}),
		refCase("configMap alone, secret set", func(c *tether.Connection) {
			c.Spec.SecretRef, c.Spec.KeySecret = nil, tether.Secret(b64("x"))
			c.Spec.ConfigMapRef = &tether.ObjectRef{Name: "aws-settings", MountPath: "/etc/aws"}
		}, "spec.keySecret"),
		refCase("both", func(c *tether.Connection) {
			c.Spec.ConfigMapRef = &tether.ObjectRef{Name: "aws-settings", Items: []string{"AWS_REGION"}}
		}),
		refCase("both give one variable", func(c *tether.Connection) {
			c.Spec.ConfigMapRef = &tether.ObjectRef{Name: "aws-settings", Items: []string{"AWS_ACCESS_KEY_ID"}}
		}, "spec.configMap.items"),
		refCase("both at one mount path", func(c *tether.Connection) {
			c.Spec.SecretRef = &tether.ObjectRef{Name: "a", MountPath: "/etc/aws"}
			c.Spec.ConfigMapRef = &tether.ObjectRef{Name: "b", MountPath: "/etc/aws"}
		}, "spec.configMap.mountPath"),
		refCase("every problem at once", func(c *tether.Connection) {
			c.Spec.KeyID = tether.Secret(b64("AKIA"))
			c.Spec.SecretRef.Name = "Bad"
			c.Spec.ConfigMapRef = &tether.ObjectRef{Name: "b", MountPath: "rel"}
		}, "spec.configMap.mountPath", "spec.keyID", "spec.secret.name"),
	}
	runTypeCases(t, "s3", cases)
	r := conntype.New()
	c := validConn(t, "s3")
	byReference(c)
	c.Spec.KeyID = tether.Secret(b64("AKIA"))
	check(t, validate(t, r, c), p("spec.keyID"), empty)
}

// TestReferencesEveryType checks that every type accepts a reference in
// place of its secrets, and its uri: a valid connection of the type with
// its secrets and uri removed and a Secret named is valid.
func TestReferencesEveryType(t *testing.T) {
	r := conntype.New()
	for _, ct := range r.Types() {
		t.Run(ct.Name, func(t *testing.T) {
			c := validConn(t, ct.Name)
			c.Spec.URI = ""
			for _, k := range c.Spec.SecretKeys {
				delete(c.Spec.Parameters, k)
			}
			c.Spec.SecretKeys = nil
			for _, f := range ct.Fields {
				if f.Secret {
					*c.Spec.Field(f.Name) = ""
				}
			}
			for _, prm := range ct.Parameters {
				if prm.Secret {
					delete(c.Spec.Parameters, prm.Name)
				}
			}
			c.Spec.SecretRef = &tether.ObjectRef{Name: "creds", MountPath: "/var/run/creds"}
			if err := validate(t, r, c); err != nil {
				t.Errorf("a %s connection with a reference: %v", ct.Name, err)
			}
		})
	}
}

// TestVolumeKinds covers host_path's and volume_claim's own rules.
func TestVolumeKinds(t *testing.T) {
	common := func(typ string) []typeCase {
		return []typeCase{
			{name: "valid"},
			{name: "no uri", mut: func(c *tether.Connection) { c.Spec.URI = "" }, want: p("spec.uri")},
			{name: "no mount path", mut: func(c *tether.Connection) { delete(c.Spec.Parameters, "mountPath") },
				want: p("spec.parameters.mountPath"), msg: "spec.parameters.mountPath: required by type " + typ},
			{name: "mount path relative", mut: func(c *tether.Connection) { c.Spec.Parameters["mountPath"] = "data" },
				want: p("spec.parameters.mountPath")},
			{name: "mount path root", mut: func(c *tether.Connection) { c.Spec.Parameters["mountPath"] = "/" },
				want: p("spec.parameters.mountPath")},
			{name: "read only not bool", mut: func(c *tether.Connection) { c.Spec.Parameters["readOnly"] = "yes" },
				want: p("spec.parameters.readOnly")},
			{name: "password not supported", mut: func(c *tether.Connection) { c.Spec.Password = tether.Secret(b64("x")) },
				want: p("spec.password")},
			{name: "unknown parameter", mut: func(c *tether.Connection) { c.Spec.Parameters["size"] = "1Gi" },
				want: p("spec.parameters.size")},
		}
	}
	runTypeCases(t, "host_path", append(common("host_path"),
		typeCase{name: "relative directory", mut: func(c *tether.Connection) { c.Spec.URI = "mnt/data" }, want: p("spec.uri")},
		typeCase{name: "unclean directory", mut: func(c *tether.Connection) { c.Spec.URI = "/mnt/../etc" }, want: p("spec.uri")}))
	runTypeCases(t, "volume_claim", append(common("volume_claim"),
		typeCase{name: "claim name uppercase", mut: func(c *tether.Connection) { c.Spec.URI = "Data" }, want: p("spec.uri")},
		typeCase{name: "claim name a path", mut: func(c *tether.Connection) { c.Spec.URI = "/data" }, want: p("spec.uri")}))
}

// TestVolumeRendering checks the volumes and the variable the volume
// kinds render.
func TestVolumeRendering(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		want tether.Rendering
	}{
		{"host_path", tether.Rendering{Env: map[string]string{"TETHER_VOLUME_PATH": "/mnt/datasets"}, Files: map[string][]byte{},
			Volumes: []tether.Volume{{HostPath: "/mnt/datasets", MountPath: "/data", ReadOnly: true, PathEnv: "TETHER_VOLUME_PATH"}}}},
		{"volume_claim", tether.Rendering{Env: map[string]string{}, Files: map[string][]byte{},
			Volumes: []tether.Volume{{ClaimName: "training-data", MountPath: "/data", PathEnv: "TETHER_VOLUME_PATH"}}}},
	} {
		ct := conntype.New().Type(tc.typ)
		got, err := ct.Render(validConn(t, tc.typ), "/conn")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&tc.want, got); diff != "" {
			t.Errorf("%s rendering (-want +got):\n%s", tc.typ, diff)
		}
	}
}

// TestVolumePolyaxon checks the volume kinds' Polyaxon forms: a schema
// Polyaxon reads, and back to an equal, valid spec; a bad schema names
// its key.
func TestVolumePolyaxon(t *testing.T) {
	r := conntype.New()
	for typ, key := range map[string]string{"host_path": "hostPath", "volume_claim": "volumeClaim"} {
		ct := r.Type(typ)
		c := validConn(t, typ)
		schema := ct.Polyaxon.Schema(c)
		if ct.Polyaxon.Kind != typ || schema[key] != c.Spec.URI || schema["mountPath"] != "/data" {
			t.Errorf("%s: Polyaxon kind %q, schema %v", typ, ct.Polyaxon.Kind, schema)
		}
		back := tether.Connection{Kind: tether.Kind, ID: c.ID, Spec: tether.ConnectionSpec{Type: typ}}
		if err := ct.Polyaxon.Spec(schema, &back.Spec); err != nil {
			t.Fatalf("%s: Spec: %v", typ, err)
		}
		if schema["readOnly"] == false {
			back.Spec.Parameters["readOnly"] = ""
			delete(back.Spec.Parameters, "readOnly")
		}
		if diff := cmp.Diff(c.Spec, back.Spec); diff != "" {
			t.Errorf("%s: round trip (-want +got):\n%s", typ, diff)
		}
		for _, bad := range []map[string]any{{"mountPath": "/d"}, {key: "x"}, {key: "x", "mountPath": "/d", "readOnly": "yes"},
			{key: "x", "mountPath": "/d", "size": 1}} {
			if err := ct.Polyaxon.Spec(bad, &tether.ConnectionSpec{}); tether.ErrorCode(err) != tether.EINVALID {
				t.Errorf("%s: Spec(%v) = %v, want EINVALID", typ, bad, err)
			}
		}
	}
}
