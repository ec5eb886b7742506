package conntype

import (
	"strings"

	"github.com/tether-ml/tether"
)

// cloudantType is an IBM Cloudant (CouchDB) account, reached with a
// legacy username and password: https://ACCOUNT.cloudantnosqldb.appdomain.cloud
// [/database]. CLOUDANT_URL, CLOUDANT_AUTH_TYPE, CLOUDANT_USERNAME and
// CLOUDANT_PASSWORD are what IBM's Cloudant SDKs read; DATABASE_URL is the
// URL with the credentials, as CouchDB clients take it.
func cloudantType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "cloudant", desc: "IBM Cloudant (CouchDB) account",
		example: "https://myaccount.cloudantnosqldb.appdomain.cloud/analytics",
		schemes: []string{"https"}, port: 443, hosts: dbOneHost,
		login: needRequired, secret: needRequired,
		env: func(t *dbTarget, r *tether.Rendering, _ string) {
			r.Env["CLOUDANT_URL"] = "https://" + t.authority()
			r.Env["CLOUDANT_AUTH_TYPE"] = "COUCHDB_SESSION"
			r.Env["CLOUDANT_USERNAME"], r.Env["CLOUDANT_PASSWORD"] = t.user, t.pass
			setIf(r.Env, "CLOUDANT_DATABASE", t.path)
		},
		airflow: []string{"cloudant"},
		toAirflow: func(t *dbTarget, a *tether.AirflowConnection) {
			// Airflow's hook takes the account: the host's first label.
			if account, ok := strings.CutSuffix(a.Host, ".cloudantnosqldb.appdomain.cloud"); ok && a.Port == 0 {
				a.Host = account
			}
		},
		fromAirflow: func(_ *tether.AirflowConnection, u *airflowURI, _ *tether.ConnectionSpec) error {
			if !strings.Contains(u.authority, ".") {
				u.authority += ".cloudantnosqldb.appdomain.cloud"
			}
			return nil
		},
	})
}
