package service

import (
	"iter"
	"strings"
	"time"
	"unicode"

	"github.com/tether-ml/tether"
)

// maxExpiryWhat bounds the words of an expiry, in bytes: they may quote a
// certificate's subject, which its author chose.
const maxExpiryWhat = 200

// expiryOf returns the expiry that c's credential carries, as its type
// tells from c revealed, in the form stores keep (UTC, microseconds; words
// without control characters, bounded); nil if the type tells none.
func expiryOf(t *tether.ConnectionType, c *tether.Connection) *tether.Expiry {
	if t == nil || t.Expiry == nil {
		return nil
	}
	e := t.Expiry(c)
	if e == nil {
		return nil
	}
	what := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(e.What, ""))
	if len(what) > maxExpiryWhat {
		what = strings.ToValidUTF8(what[:maxExpiryWhat], "") + "…"
	}
	return &tether.Expiry{At: e.At.UTC().Truncate(time.Microsecond), What: what}
}

// withExpiry passes records through, each with the expiry its type tells
// from its secrets: a restore recomputes what a backup does not carry, so
// the expiry always describes the credential restored. A record whose
// secrets this keyring cannot open keeps the expiry it came with (none).
func withExpiry(records iter.Seq2[*tether.Record, error], sealer tether.Sealer, types tether.TypeRegistry) iter.Seq2[*tether.Record, error] {
	return func(yield func(*tether.Record, error) bool) {
		for r, err := range records {
			if err == nil {
				if t := types.Type(r.Type); t != nil && t.Expiry != nil {
					if c, oerr := openRecord(sealer, r); oerr == nil {
						r.Expiry = expiryOf(t, c)
					}
				}
			}
			if !yield(r, err) || err != nil {
				return
			}
		}
	}
}
