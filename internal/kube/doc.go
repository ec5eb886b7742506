// Package kube holds Tether's uses of Kubernetes code; it is the only
// importer of k8s.io modules, so that their weight stays out of the rest.
//
// It provides kubectl's JSONPath for the CLI's output (PrintJSONPath) and
// the TokenReviewer, a tether.Authenticator for Kubernetes service-account
// tokens, which it has the cluster's API server verify (TokenReview API).
package kube
