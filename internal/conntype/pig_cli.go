package conntype

import (
	"github.com/tether-ml/tether"
)

// pigCLIType is Apache Pig's command line against a Hadoop cluster, whose
// file system the uri names: hdfs://namenode.example:8020. PIG_OPTS sets
// fs.defaultFS, which pig reads; HADOOP_USER_NAME is the user of a cluster
// without Kerberos (simple authentication has no password).
func pigCLIType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "pig_cli", desc: "Apache Pig command line on a Hadoop cluster",
		example: "hdfs://namenode.example:8020",
		schemes: []string{"hdfs"}, port: 8020, hosts: dbOneHost,
		login:   needOptional,
		userDoc: "Hadoop user (HADOOP_USER_NAME) on a cluster with simple authentication",
		env: func(t *dbTarget, r *tether.Rendering, _ string) {
			r.Env["PIG_OPTS"] = "-Dfs.defaultFS=hdfs://" + t.hostPort()
			setIf(r.Env, "HADOOP_USER_NAME", t.user)
		},
		airflow: []string{"pig_cli"},
	})
}
