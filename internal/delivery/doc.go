// Package delivery turns revealed connections into what a job uses: the
// environment variables and files of several connections at once, under
// one collision-free naming rule (Bundle), written into a private
// directory (Write), and a filter that hides their secrets in the job's
// output (Masker).
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
