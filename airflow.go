package tether

// AirflowConnection is a connection in Airflow's model
// (airflow.models.Connection): the fields `airflow connections export`
// writes and an AIRFLOW_CONN_<ID> variable carries. Password is the
// revealed secret, in plain text, as Airflow keeps it.
type AirflowConnection struct {
	ConnType    string         `json:"conn_type"`
	Description string         `json:"description,omitempty"`
	Host        string         `json:"host,omitempty"`
	Login       string         `json:"login,omitempty"`
	Password    Secret         `json:"password,omitempty"`
	Schema      string         `json:"schema,omitempty"`
	Port        int            `json:"port,omitempty"`
	Extra       map[string]any `json:"extra,omitempty"`
}

// AirflowForm maps one connection type to Airflow's model and back.
type AirflowForm struct {
	// ConnTypes are the Airflow conn_types imported as this type; the
	// first is the one it is exported as. Several types may list one
	// conn_type (s3 and a type of bare AWS credentials both read aws): an
	// import tries their From in the registry's order, and the first that
	// reads the connection wins.
	ConnTypes []string
	// To returns c, valid and revealed, in Airflow's model. Secret values
	// (Password, and any secret in Extra) are plain text.
	To func(c *Connection) (*AirflowConnection, error)
	// From returns the spec of the Tether connection that a, read from
	// Airflow, describes, with its secrets as the API takes them (base64
	// for the Secret-typed fields). The caller validates it. An error is
	// EINVALID and names what a lacks, never a value. Nil: the type is
	// exported to Airflow only (ecr, delivered as a docker login).
	From func(a *AirflowConnection) (*ConnectionSpec, error)
}
