// Package http serves Tether's REST API (Odahu's Connection API verbatim,
// plus Tether's extensions) and holds the Go client of the same API, which
// the CLI uses.
//
// # The Go client
//
// A program or a job reaches connections by name through a Client. The
// configuration is the CLI's (TETHER_URL, TETHER_TOKEN, TETHER_TOKEN_PATH,
// TETHER_CA_FILE, and inside a pod the service-account defaults):
//
//	cl, err := http.NewClientFromEnv(os.Getenv)
//	if err != nil { ... }
//	cl = cl.WithJob("nightly-train") // recorded in the audit log
//
//	c, err := cl.Get(ctx, "team-a", "training-data")    // secrets masked
//	page, err := cl.List(ctx, "team-a", tether.ConnectionFilter{Types: []string{"s3"}})
//	c, err = cl.Reveal(ctx, "team-a", "training-data")  // secrets included, audited
//
// Env and Materialize deliver connections in the forms tools read, as
// "tether run" does:
//
//	env, err := cl.Env(ctx, http.Ref{Namespace: "team-a", ID: "training-data"})
//	// env["AWS_ACCESS_KEY_ID"], env["AWS_REGION"], env["S3_ENDPOINT"], ...
//
//	dir, _ := os.MkdirTemp("", "job-") // 0700
//	defer os.RemoveAll(dir)
//	m, err := cl.Materialize(ctx, dir, http.Ref{ID: "training-data"}, http.Ref{ID: "registry"})
//	// m.Env["AWS_SHARED_CREDENTIALS_FILE"] == dir+"/training-data/credentials"
//	// m.Env["DOCKER_CONFIG"] == dir+"/docker"
//
// Env returns only the variables that carry values; Materialize also
// writes the files (0600) that the other variables point at. With several
// connections both follow one naming rule: each connection's files are in
// dir/ID, every variable is also set prefixed with the id
// (TRAINING_DATA_AWS_ACCESS_KEY_ID), the first connection of a kind owns
// the plain names, and docker registries share one merged config.json.
//
// Errors are *tether.Error values whose Code says what went wrong
// (tether.ENOTFOUND, tether.EFORBIDDEN, ...); their messages never hold a
// secret.
package http
