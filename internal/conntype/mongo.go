package conntype

import (
	"github.com/tether-ml/tether"
)

// mongoType is a MongoDB deployment: mongodb://host1:27017,host2/db, or
// mongodb+srv://cluster.example/db (a DNS seed list, without port). The
// options (replicaSet, authSource, tls...) are passed on. MONGODB_URI (and
// DATABASE_URL) is the connection string that mongosh and every MongoDB
// driver take.
func mongoType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "mongo", desc: "MongoDB deployment",
		example: "mongodb://mongo-0.example:27017,mongo-1.example/analytics?replicaSet=rs0",
		schemes: []string{"mongodb", "mongodb+srv"}, port: 27017, hosts: dbManyHosts,
		login: needOptional, secret: needOptional,
		check: func(t *dbTarget, p *tether.Problems) {
			if t.scheme == "mongodb+srv" && (len(t.hosts) != 1 || t.hosts[0].set) {
				p.Add("spec.uri", "mongodb+srv:// must name one host, without port")
			}
			if t.pass != "" && t.user == "" {
				p.Add("spec.username", "required with spec.password")
			}
		},
		env: func(t *dbTarget, r *tether.Rendering, _ string) {
			r.Env["MONGODB_URI"] = t.url()
		},
		airflow: []string{"mongo"},
		toAirflow: func(t *dbTarget, a *tether.AirflowConnection) {
			if t.scheme == "mongodb+srv" {
				a.Extra["srv"] = true
			}
		},
		fromAirflow: func(_ *tether.AirflowConnection, u *airflowURI, _ *tether.ConnectionSpec) error {
			if u.opts.Get("srv") == "true" {
				u.scheme = "mongodb+srv"
			}
			u.opts.Del("srv")
			return nil
		},
	})
}
