// Package kube holds Tether's uses of Kubernetes code; it is the only
// importer of k8s.io modules, so that their weight stays out of the rest.
//
// It provides kubectl's JSONPath for the CLI's output (PrintJSONPath) and
// the TokenReviewer, a tether.Authenticator for Kubernetes service-account
// tokens, which it has the cluster's API server verify (TokenReview API).
//
// It also gives a connection's Kubernetes forms, for "tether conn render":
// the Secret that holds it (Secret) and the Kubeflow PodDefault that
// injects that Secret into pods (PodDefault), as YAML a kube-apiserver
// accepts (ManifestYAML).
package kube
