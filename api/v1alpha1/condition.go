package v1alpha1

// ConditionReady is the type of the condition that says whether a sync
// delivers its connection: True once the Secret holds the connection's
// current version, False with one of the Reason constants otherwise.
const ConditionReady = "Ready"

// The reasons of the Ready condition.
const (
	// ReasonSynced: the Secret (and PodDefault, if asked for) hold the
	// connection's current version.
	ReasonSynced = "Synced"
	// ReasonForbidden: Tether refused to give the connection to the
	// identity the sync reads it as; a delivered Secret is removed.
	ReasonForbidden = "Forbidden"
	// ReasonNotFound: Tether has no such connection.
	ReasonNotFound = "NotFound"
	// ReasonTetherUnavailable: Tether could not be reached; what was
	// delivered stays as it is and the controller retries with backoff.
	ReasonTetherUnavailable = "TetherUnavailable"
	// ReasonInvalid: the sync cannot be delivered as written, e.g. its
	// items name variables the connection's type does not set.
	ReasonInvalid = "Invalid"
)
