package conntype

import (
	"net"
	"strconv"

	"github.com/tether-ml/tether"
)

// hdfsType is a Hadoop file system, by its namenode: hdfs://nn.example:8020
// (RPC), or webhdfs://nn.example:9870 (swebhdfs:// for TLS) for WebHDFS,
// whose gateway (Knox) may take a password. HADOOP_USER_NAME is the user of
// simple authentication; HADOOP_NAMENODE is the namenode's host:port, which
// Go's hdfs client reads; HDFS_URL (and DATABASE_URL) is the file system's
// URL, fs.defaultFS's value; WEBHDFS_URL the REST endpoint.
func hdfsType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "hdfs", desc: "Hadoop file system (HDFS or WebHDFS)",
		example: "webhdfs://namenode.example:9870",
		schemes: []string{"hdfs", "webhdfs", "swebhdfs"}, port: 8020, hosts: dbManyHosts,
		login: needOptional, secret: needOptional,
		userDoc: "Hadoop user (HADOOP_USER_NAME) on a cluster with simple authentication",
		passDoc: "Password of a WebHDFS gateway (Knox), base64-encoded",
		check: func(t *dbTarget, p *tether.Problems) {
			if t.scheme == "hdfs" && t.pass != "" {
				p.Add("spec.password", "not supported by hdfs:// (simple or Kerberos authentication): use webhdfs://")
			}
		},
		env: renderHDFS, airflow: []string{"hdfs", "webhdfs"},
		toAirflow: func(t *dbTarget, a *tether.AirflowConnection) {
			if t.scheme != "hdfs" {
				a.ConnType = "webhdfs"
				a.Extra["use_ssl"] = t.scheme == "swebhdfs"
			}
		},
		fromAirflow: func(a *tether.AirflowConnection, u *airflowURI, _ *tether.ConnectionSpec) error {
			if a.ConnType == "webhdfs" {
				u.scheme = "webhdfs"
				if u.opts.Get("use_ssl") == "true" {
					u.scheme = "swebhdfs"
				}
			}
			u.opts.Del("use_ssl")
			return nil
		},
	})
}

func renderHDFS(t *dbTarget, r *tether.Rendering, _ string) {
	host, port := t.host()
	if !t.hosts[0].set && t.scheme != "hdfs" {
		port = 9870
	}
	hp := net.JoinHostPort(host, strconv.Itoa(port))
	setIf(r.Env, "HADOOP_USER_NAME", t.user)
	if t.scheme == "hdfs" {
		r.Env["HADOOP_NAMENODE"], r.Env["HDFS_URL"] = hp, "hdfs://"+hp
		return
	}
	scheme := "http"
	if t.scheme == "swebhdfs" {
		scheme = "https"
	}
	r.Env["WEBHDFS_URL"] = scheme + "://" + hp + "/webhdfs/v1"
}
