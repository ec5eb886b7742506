package conntype

import (
	"slices"

	"github.com/tether-ml/tether"
)

// withOdahuFields returns fields plus, as optional fields, every other one
// of tether.TypedFields but those in rejected. Odahu accepts and keeps
// every typed field on every type (except role on s3 and gcs), so its
// clients send them and read them back; Tether keeps them too, sealed and
// masked when secret, though the type's renderer does not use them.
func withOdahuFields(fields []tether.Field, rejected ...string) []tether.Field {
	out := slices.Clone(fields)
	for _, name := range tether.TypedFields {
		declared := slices.ContainsFunc(fields, func(f tether.Field) bool { return f.Name == name })
		if declared || slices.Contains(rejected, name) {
			continue
		}
		out = append(out, odahuField(name))
	}
	return out
}

// odahuField is the schema Odahu gives a typed field that a type does not
// use: password, keyID and keySecret are secret and base64, publicKey is
// base64, the others are text.
func odahuField(name string) tether.Field {
	f := tether.Field{Name: name, Description: "Accepted and kept, as Odahu does; not used by this type"}
	switch name {
	case "password", "keyID", "keySecret":
		f.Secret, f.Base64 = true, true
	case "publicKey":
		f.Base64 = true
	}
	return f
}
