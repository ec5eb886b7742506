package cli

import (
	"encoding/json"
	"strings"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/airflow"
)

// airflowConnID is the conn_id a connection has in Airflow: its id with
// '-' as '_', so that AIRFLOW_CONN_<CONN_ID> is a variable a shell can set
// (an import derives the id back).
func airflowConnID(id string) string {
	return strings.ReplaceAll(id, "-", "_")
}

// airflowForm returns c in Airflow's model: as the line
// AIRFLOW_CONN_<CONN_ID>=<URI> (output uri), or as a connections file of
// one conn_id, as `airflow connections export` writes JSON (output json),
// its extra an object.
func (a *app) airflowForm(c *tether.Connection, output string) ([]byte, error) {
	ac, err := a.types.ToAirflow(c)
	if err != nil {
		return nil, err
	}
	id := airflowConnID(c.ID)
	if output == "json" {
		b, err := json.MarshalIndent(map[string]*tether.AirflowConnection{id: ac}, "", "  ")
		if err != nil {
			return nil, tether.Internal("cli.airflowForm", err)
		}
		return append(b, '\n'), nil
	}
	uri, err := airflow.URI(ac)
	if err != nil {
		return nil, err
	}
	return []byte(airflow.EnvName(id) + "=" + uri + "\n"), nil
}
