package conntype_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// certPEM returns a self-signed certificate for cn (no subject if cn is
// empty) that expires at notAfter, PEM.
func certPEM(t *testing.T, cn string, notAfter time.Time) string {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), NotBefore: notAfter.Add(-48 * time.Hour), NotAfter: notAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	if cn != "" {
		tmpl.Subject = pkix.Name{CommonName: cn, Organization: []string{"Tether test"}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// TestExpiry checks each type's Expiry on valid connections: a SAS
// token's se= in the forms Azure accepts (and none when it is missing or
// does not parse), and the earliest certificate of a caBundle.
func TestExpiry(t *testing.T) {
	at := time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)
	soon, later := time.Now().Add(24*time.Hour).Truncate(time.Second).UTC(), at
	realSAS, err := sas.AccountSignatureValues{
		Protocol: sas.ProtocolHTTPS, ExpiryTime: at, Permissions: "rl", ResourceTypes: "co",
	}.SignWithSharedKey(azuriteCredential(t, azuriteKey))
	if err != nil {
		t.Fatal(err)
	}
	sasToken := func(query string) func(*tether.Connection) {
		return func(c *tether.Connection) {
			c.Spec.KeySecret = tether.Secret(b64("https://acct.blob.core.windows.net/?" + query))
		}
	}
	bundle := func(certs ...string) func(*tether.Connection) {
		var all string
		for _, c := range certs {
			all += c
		}
		return param("caBundle", b64(all))
	}
	sasExpiry := func(at time.Time) *tether.Expiry { return &tether.Expiry{At: at, What: "SAS token"} }
	minio := `caBundle certificate "CN=minio,O=Tether test"`
	cases := []struct {
		name, typ string
		mut       func(*tether.Connection)
		want      *tether.Expiry
	}{
		{"azureblob real SAS", "azureblob", sasToken(realSAS.Encode()), sasExpiry(at)},
		{"azureblob se seconds", "azureblob", sasToken("sv=2022-11-02&se=2031-02-03T04:05:06Z&sig=abc%3D"), sasExpiry(at)},
		{"azureblob se escaped", "azureblob", sasToken("se=2031-02-03T04%3A05%3A06Z&sig=abc"), sasExpiry(at)},
		{"azureblob se fraction", "azureblob", sasToken("se=2031-02-03T04:05:06.0000000Z&sig=abc"), sasExpiry(at)},
		{"azureblob se minutes", "azureblob", sasToken("se=2031-02-03T04:05Z&sig=abc"), sasExpiry(at.Truncate(time.Minute))},
		{"azureblob se date", "azureblob", sasToken("se=2031-02-03&sig=abc"), sasExpiry(at.Truncate(24 * time.Hour))},
		{"azureblob se offset", "azureblob", sasToken("se=2031-02-03T05:05:06%2B01:00&sig=abc"), sasExpiry(at)},
		{"azureblob badly escaped pair", "azureblob", sasToken("sig=ab%ZZ&se=2031-02-03T04:05:06Z"), sasExpiry(at)},
		{"azureblob no se", "azureblob", sasToken("sv=2019-02-02&ss=bf&sig=abc%3D"), nil},
		{"azureblob malformed se", "azureblob", sasToken("se=next-tuesday&sig=abc"), nil},
		{"azureblob empty se", "azureblob", sasToken("se=&sig=abc"), nil},
		{"s3 no caBundle", "s3", nil, nil},
		{"s3 one certificate", "s3", bundle(certPEM(t, "minio", later)), &tether.Expiry{At: later, What: minio}},
		{"s3 earliest of several", "s3", bundle(certPEM(t, "minio", later), certPEM(t, "root", soon), certPEM(t, "x", later.Add(time.Hour))),
			&tether.Expiry{At: soon, What: `caBundle certificate "CN=root,O=Tether test"`}},
		{"docker one certificate", "docker", bundle(certPEM(t, "minio", later)), &tether.Expiry{At: later, What: minio}},
		{"docker certificate without subject", "docker", bundle(certPEM(t, "minio", later), certPEM(t, "", soon)),
			&tether.Expiry{At: soon, What: "caBundle certificate 2"}},
		{"docker expired certificate", "docker", bundle(certPEM(t, "old", soon.Add(-72*time.Hour))),
			&tether.Expiry{At: soon.Add(-72 * time.Hour), What: `caBundle certificate "CN=old,O=Tether test"`}},
	}
	reg := conntype.New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validConn(t, tc.typ)
			if tc.mut != nil {
				tc.mut(c)
			}
			if err := reg.Validate(c); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			expiry := reg.Type(tc.typ).Expiry
			if expiry == nil {
				t.Fatalf("type %s has no Expiry", tc.typ)
			}
			if diff := cmp.Diff(tc.want, expiry(c)); diff != "" {
				t.Errorf("Expiry (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEveryCABundleTypeHasExpiry checks that each type with a caBundle
// parameter reports its certificate's expiry, and that the types whose
// credential carries none report none.
func TestEveryCABundleTypeHasExpiry(t *testing.T) {
	notAfter := time.Now().Add(240 * time.Hour).Truncate(time.Second).UTC()
	ca := b64(certPEM(t, "ca", notAfter))
	for _, ct := range conntype.New().Types() {
		t.Run(ct.Name, func(t *testing.T) {
			c := validConn(t, ct.Name)
			if ct.Parameter("caBundle") == nil {
				if ct.Expiry != nil {
					if got := ct.Expiry(c); got != nil {
						t.Errorf("Expiry of a credential without expiry: %+v", got)
					}
				}
				return
			}
			c.Spec.Parameters = tether.Params{"caBundle": ca}
			if ct.Expiry == nil {
				t.Fatal("a type with a caBundle parameter has no Expiry")
			}
			if got := ct.Expiry(c); got == nil || !got.At.Equal(notAfter) {
				t.Errorf("Expiry = %+v, want the caBundle's notAfter %v", got, notAfter)
			}
		})
	}
}
