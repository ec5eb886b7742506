// Package controller is "tether controller": it keeps Tether connections
// delivered into Kubernetes namespaces as the tether.ml/v1alpha1 syncs ask
// (api/v1alpha1), with controller-runtime, one reconciler per kind.
//
// A ConnectionSync in namespace N reads its connection as N's identity: the
// controller requests a short-lived token for a ServiceAccount of N
// (TokenRequest, with Tether's audience) and calls Tether with it, so
// Tether's role bindings decide which namespace receives which connection.
// A ClusterConnectionSync reads as the controller's own identity.
//
// Changes arrive through Tether's change feed (one watch, as the
// controller's identity); a resync interval is only a safety net. What was
// delivered is never removed because Tether or the API server cannot be
// reached: only Tether's answer that the connection is gone or forbidden
// removes it, and only under the Delete policy.
//
// The controller's own identity (cfg.Tether's token) follows the change
// feed over every Tether namespace it may read, so it needs the viewer role
// in each Tether namespace whose connections are synced, and the user role
// (reveal) where ClusterConnectionSyncs read. In Kubernetes it needs: get,
// list, watch and update of connectionsyncs and clusterconnectionsyncs,
// update of their status and finalizers; get, list, watch, create, update
// and delete of secrets (it caches only those it labels
// app.kubernetes.io/managed-by=tether-controller); create of
// serviceaccounts/token; get, list and watch of namespaces; get, create,
// update and delete of kubeflow.org poddefaults; create and patch of
// events.k8s.io events; and, with leader election, coordination.k8s.io
// leases.
//
// The optional admission webhook gives pods that ask for connections by
// annotation the Secrets their namespace's syncs deliver, by the rules of
// the PodDefault.
package controller
