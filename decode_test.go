package tether_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
)

// sdkBody is what Odahu's SDK sends for a connection it read and edits:
// every field, nulls included, its own status fields, and the server's
// timestamps at the top level.
const sdkBody = `{"kind": "Connection", "createdAt": "2026-12-03T10:56:33.933122Z", "id": "training-data", ` +
	`"spec": {"description": null, "keyID": "*****", "keySecret": "*****", "password": null, "publicKey": null, ` +
	`"reference": null, "region": "eu-central-1", "role": null, "type": "s3", "uri": "s3://raw-data/model/input", ` +
	`"username": null, "vital": null, "webUILink": null, "parameters": {"endpoint": null}}, ` +
	`"status": {"secretName": null, "serviceAccount": null}, "updatedAt": "2026-12-03T10:56:52.776766Z"}`

func TestDecodeConnectionAcceptsOdahuSDKBodies(t *testing.T) {
	c, err := tether.DecodeConnection([]byte(sdkBody))
	if err != nil {
		t.Fatal(err)
	}
	want := &tether.Connection{Kind: "Connection", ID: "training-data", Spec: tether.ConnectionSpec{
		Type: "s3", URI: "s3://raw-data/model/input", Region: "eu-central-1", KeyID: tether.Mask, KeySecret: tether.Mask,
		Parameters: tether.Params{"endpoint": ""}}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
}

func TestDecodeConnectionRefusals(t *testing.T) {
	cases := []struct{ name, body, msg string }{
		{"server-owned field of the wrong type", `{"id":"x","createdAt":5,"spec":{}}`, "createdAt: must be a string or null, not a number"},
		{"unknown status field", `{"id":"x","spec":{},"status":{"secretNmae":null}}`, "status.secretNmae: unknown field"},
		{"key that is not a name", `{"id":"x","spec":{},"a.b":1}`, `["a.b"]: unknown field`},
		{"duplicate key in status", `{"id":"x","spec":{},"status":{"version":1,"version":2}}`, "status.version: duplicate key"},
		{"invalid UTF-8 in a key", "{\"id\":\"x\",\"spec\":{\"ty\xffpe\":\"s3\"}}", `not valid UTF-8`},
		{"truncated", `{"id":"x","spec":{`, "not valid JSON"},
		{"not an object", `"x"`, "connection must be a JSON object, not a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := tether.DecodeConnection([]byte(c.body))
			if tether.ErrorCode(err) != tether.EINVALID || !strings.Contains(tether.ErrorMessage(err), c.msg) {
				t.Errorf("error %v, want EINVALID mentioning %q", err, c.msg)
			}
		})
	}
}

func BenchmarkDecodeConnection(b *testing.B) {
	body := []byte(sdkBody)
	for b.Loop() {
		if _, err := tether.DecodeConnection(body); err != nil {
			b.Fatal(err)
		}
	}
}
