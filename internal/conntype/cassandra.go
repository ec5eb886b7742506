package conntype

import (
	"strconv"
	"strings"

	"github.com/tether-ml/tether"
)

// cassandraType is an Apache Cassandra cluster: its contact points, which
// share one port, and a keyspace: cassandra://node-0.example,node-1:9042/ks.
// cqlsh reads CQLSH_HOST and CQLSH_PORT, and its credentials from a cqlshrc
// file (cqlsh --cqlshrc, or ~/.cassandra/cqlshrc); the drivers take the
// CASSANDRA_* values. DATABASE_URL lists the contact points.
func cassandraType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "cassandra", desc: "Apache Cassandra cluster",
		example: "cassandra://node-0.example,node-1.example:9042/analytics",
		schemes: []string{"cassandra"}, port: 9042, hosts: dbManyHosts,
		login: needOptional, secret: needOptional,
		check: func(t *dbTarget, p *tether.Problems) {
			for _, h := range t.hosts[1:] {
				if h.port != t.hosts[0].port {
					p.Add("spec.uri", "the contact points must share one port")
					return
				}
			}
		},
		env: renderCassandra, airflow: []string{"cassandra"},
		toAirflow: func(t *dbTarget, a *tether.AirflowConnection) {
			names := make([]string, len(t.hosts))
			for i, h := range t.hosts {
				names[i] = h.name
				if h.set {
					a.Port = h.port
				}
			}
			a.Host = strings.Join(names, ",")
		},
	})
}

func renderCassandra(t *dbTarget, r *tether.Rendering, dir string) {
	host, port := t.host()
	names := make([]string, len(t.hosts))
	for i, h := range t.hosts {
		names[i] = strings.Trim(h.name, "[]")
	}
	r.Env["CQLSH_HOST"], r.Env["CQLSH_PORT"] = host, strconv.Itoa(port)
	r.Env["CASSANDRA_CONTACT_POINTS"], r.Env["CASSANDRA_PORT"] = strings.Join(names, ","), strconv.Itoa(port)
	setIf(r.Env, "CASSANDRA_KEYSPACE", t.path)
	setIf(r.Env, "CASSANDRA_USERNAME", t.user)
	setIf(r.Env, "CASSANDRA_PASSWORD", t.pass)
	rc := "[connection]\nhostname = " + host + "\nport = " + strconv.Itoa(port) + "\n"
	if t.path != "" {
		rc += "\n[authentication]\nkeyspace = " + t.path + "\n"
	}
	if t.user != "" {
		if t.path == "" {
			rc += "\n[authentication]\n"
		}
		rc += "username = " + t.user + "\npassword = " + t.pass + "\n"
	}
	r.Files["cqlshrc"] = []byte(rc)
}
