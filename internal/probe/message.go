package probe

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/egress"
)

// maxMessage bounds a result's message, in bytes: it is stored with the
// connection and shown in tables.
const maxMessage = 500

// message is the message of a probe's outcome, safe to show: the probe's
// own words when it passed; when it failed, the message of the
// tether.Error it returned, an HTTP client's error scrubbed of its URL, or
// a timeout. Any other error (an SDK's, whose text may hold a signature or
// a key) is not shown.
func message(o outcome, elapsed time.Duration) string {
	var te *tether.Error
	var ue *url.Error
	switch {
	case o.panicked:
		return "the connection test failed unexpectedly"
	case o.err == nil && o.msg == "":
		return "the connection test passed"
	case o.err == nil:
		return o.msg
	case errors.As(o.err, &te) && te.Message != "" && te.Code != tether.EINTERNAL:
		return te.Message
	case errors.As(o.err, &ue):
		return tether.ErrorMessage(egress.Scrub(ue))
	case errors.Is(o.err, context.DeadlineExceeded), errors.Is(o.err, context.Canceled):
		return fmt.Sprintf("the connection test did not finish within %s", elapsed.Round(time.Millisecond))
	}
	return "the connection test failed; its target's answer is not shown, as it may hold a secret"
}

// Redact replaces every secret value of c (and, for one posted in base64,
// its decoded form) found in msg with the mask, and bounds msg's length: a
// probe's message may quote what its target answered, and a target may
// echo a credential.
func Redact(msg string, t *tether.ConnectionType, c *tether.Connection) string {
	for _, v := range secretValues(t, c) {
		if len(v) < 4 { // too short to tell from ordinary words
			continue
		}
		msg = strings.ReplaceAll(msg, v, tether.Mask)
		if b, err := base64.StdEncoding.DecodeString(v); err == nil && len(b) >= 4 {
			msg = strings.ReplaceAll(msg, string(b), tether.Mask)
		}
	}
	if len(msg) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}

// secretValues returns the secret values of c, as its type declares them:
// password, keyID and keySecret always, and its secret fields and
// parameters.
func secretValues(t *tether.ConnectionType, c *tether.Connection) []string {
	spec := c.Spec
	names := []string{"password", "keyID", "keySecret"}
	for _, f := range t.Fields {
		if f.Secret {
			names = append(names, f.Name)
		}
	}
	var out []string
	for _, name := range names {
		if p := spec.Field(name); p != nil && *p != "" && *p != tether.Mask {
			out = append(out, *p)
		}
	}
	for _, prm := range t.SecretParameters(&spec) {
		if v := spec.Parameters[prm.Name]; v != "" && v != tether.Mask {
			out = append(out, v)
		}
	}
	return out
}
