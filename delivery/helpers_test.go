package delivery_test

import (
	"encoding/base64"
	"testing"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

var types = conntype.New()

func b64(s string) tether.Secret { return tether.Secret(base64.StdEncoding.EncodeToString([]byte(s))) }

// s3Conn returns a valid s3 connection with keys id/secret.
func s3Conn(t *testing.T, id, keyID, keySecret string) *tether.Connection {
	t.Helper()
	return valid(t, &tether.Connection{ID: id, Namespace: "default", Spec: tether.ConnectionSpec{
		Type: "s3", URI: "s3://bucket-" + id, Region: "eu-central-1", KeyID: b64(keyID), KeySecret: b64(keySecret)}})
}

// dockerConn returns a valid docker connection of registry uri.
func dockerConn(t *testing.T, id, uri, user, password string) *tether.Connection {
	t.Helper()
	return valid(t, &tether.Connection{ID: id, Namespace: "default", Spec: tether.ConnectionSpec{
		Type: "docker", URI: uri, Username: user, Password: b64(password)}})
}

func valid(t *testing.T, c *tether.Connection) *tether.Connection {
	t.Helper()
	if err := types.Validate(c); err != nil {
		t.Fatal(err)
	}
	return c
}
