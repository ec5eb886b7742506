// Package client is the Go client of Tether's REST API, the one the CLI
// uses. It imports only the domain package and the standard library: a
// program that reaches connections by name links no server code.
//
// The configuration is the CLI's (TETHER_URL, TETHER_TOKEN,
// TETHER_TOKEN_PATH, TETHER_CA_FILE, and inside a pod the service-account
// defaults):
//
//	cl, err := client.NewClientFromEnv(os.Getenv)
//	if err != nil { ... }
//	cl = cl.WithJob("nightly-train") // recorded in the audit log
//
//	c, err := cl.Get(ctx, "team-a", "training-data")    // secrets masked
//	page, err := cl.List(ctx, "team-a", tether.ConnectionFilter{Types: []string{"s3"}})
//	c, err = cl.Reveal(ctx, "team-a", "training-data")  // secrets included, audited
//	c, err = cl.Deliver(ctx, "team-a", "training-data") // as a job gets it: short-lived credentials
//
// A Client is a delivery.Source: package delivery renders the
// connections it delivers into the variables and files tools read, as
// "tether run" does.
//
// Errors are *tether.Error values whose Code says what went wrong
// (tether.ENOTFOUND, tether.EFORBIDDEN, ...); their messages never hold a
// secret.
package client
