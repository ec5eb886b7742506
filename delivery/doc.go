// Package delivery turns connections into what a job uses: the
// environment variables and files of several connections at once, under
// one collision-free naming rule (Bundle), written into a private
// directory (Write), and a filter that hides their secrets in the job's
// output (Masker). A Deliverer does all of it from connection references,
// reading them, as delivered, through a Source: the Go client (package client) over the
// API, or the connection service in process.
//
//	cl, err := client.NewClientFromEnv(os.Getenv)
//	d := delivery.New(cl, nil) // nil: every type Tether knows
//
//	env, err := d.Env(ctx, delivery.Ref{Namespace: "team-a", ID: "training-data"})
//	// env["AWS_ACCESS_KEY_ID"], env["AWS_REGION"], env["S3_ENDPOINT"], ...
//
//	dir, _ := os.MkdirTemp("", "job-") // 0700
//	defer os.RemoveAll(dir)
//	m, err := d.Materialize(ctx, dir, delivery.Ref{ID: "training-data"}, delivery.Ref{ID: "registry"})
//	// m.Env["AWS_SHARED_CREDENTIALS_FILE"] == dir+"/training-data/credentials"
//	// m.Env["DOCKER_CONFIG"] == dir+"/docker"
//
// Env returns only the variables that carry values; Materialize also
// writes the files (0600) that the other variables point at. A type's
// renderer says which variables refer to its files
// (tether.Rendering.SetFileEnv).
//
// The naming rule, for connections c1..cn given in this order and a
// directory DIR:
//
//   - Files: connection ID's files are in DIR/ID/ (DIR/ID/credentials,
//     DIR/ID/config.json, ...). Two connections with one id (from two
//     namespaces) are refused.
//   - Prefixed variables: every variable V of connection ID is also set as
//     PREFIX_V, where PREFIX is ID in upper case with '-' as '_'
//     (training-data's AWS_ACCESS_KEY_ID is TRAINING_DATA_AWS_ACCESS_KEY_ID),
//     pointing at DIR/ID/ when it is a path.
//   - Plain variables: a connection also sets its variables under their own
//     names (AWS_ACCESS_KEY_ID) unless an earlier connection already set
//     one of them; then it sets only its prefixed ones. So the first s3
//     connection owns the plain AWS variables, and the variables of two
//     connections are never mixed.
//   - Docker: every docker connection's registries are merged into one
//     DIR/docker/config.json (and DIR/docker/certs.d), first connection
//     first for a registry named twice, and DOCKER_CONFIG points there:
//     one docker configuration serves every registry.
//
// A prefixed name that equals a plain one is refused, so no variable is
// ever silently overwritten.
package delivery
