package conntype

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/tether-ml/tether"
)

// caBundleExpiry is the Expiry of the types with a caBundle parameter: the
// earliest notAfter of its certificates, or nil without one. Past it, the
// server's certificate no longer chains to a valid CA of the bundle, and
// every TLS connection of a job fails. What names the certificate by its
// subject (or, without one, its place in the bundle): a caBundle is not
// secret.
func caBundleExpiry(c *tether.Connection) *tether.Expiry {
	var earliest *tether.Expiry
	rest := paramBytes(c, "caBundle")
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return earliest
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if block.Type != "CERTIFICATE" || err != nil {
			continue
		}
		what := fmt.Sprintf("caBundle certificate %q", cert.Subject.String())
		if len(cert.Subject.Names) == 0 {
			what = fmt.Sprintf("caBundle certificate %d", n)
		}
		earliest = tether.Earliest(earliest, &tether.Expiry{At: cert.NotAfter.UTC(), What: what})
	}
}
