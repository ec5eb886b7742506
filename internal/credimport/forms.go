package credimport

import (
	"fmt"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/airflow"
)

// Forms is what the Airflow and Polyaxon imports need of the type
// registry: each type's own reading of the peers' models.
type Forms interface {
	FromAirflow(a *tether.AirflowConnection) (*tether.ConnectionSpec, error)
	FromPolyaxon(p *tether.PolyaxonConnection) (*tether.ConnectionSpec, error)
}

// Airflow returns a connection per Airflow entry (of a file, or of the
// AIRFLOW_CONN_* variables; source names them in descriptions): its type
// is the one whose Airflow form reads its conn_type (see
// conntype.Registry.FromAirflow), its id the conn_id made a valid id
// (DeriveID: s3_raw_data is s3-raw-data) after prefix. Entries that
// cannot be read, have no type, or whose id is invalid or taken by an
// earlier conn_id are refused, each with its reason.
func Airflow(entries []airflow.Entry, forms Forms, source, prefix string) *Result {
	res := &Result{}
	ids := newIDs(prefix)
	for _, e := range entries {
		name := "conn_id " + quoteName(e.ConnID)
		if e.Err != nil {
			res.refuse(name, e.Err)
			continue
		}
		spec, err := forms.FromAirflow(e.Conn)
		if err != nil {
			res.refuse(name, err)
			continue
		}
		id, err := ids.take(e.ConnID, "conn_id")
		if err != nil {
			res.refuse(name, err)
			continue
		}
		if spec.Description == "" {
			spec.Description = fmt.Sprintf("Imported from Airflow (%s, conn_id %s)", source, e.ConnID)
		}
		res.Connections = append(res.Connections, &tether.Connection{Kind: tether.Kind, ID: id, Spec: *spec})
	}
	sortResult(res)
	return res
}

// ids derives the ids of an import and remembers which name took each.
type ids struct {
	prefix string
	taken  map[string]string
}

func newIDs(prefix string) *ids { return &ids{prefix: prefix, taken: map[string]string{}} }

// take returns the id of name, or why it has none.
func (s *ids) take(name, what string) (string, error) {
	id := DeriveID(s.prefix, name)
	if id == "" {
		return "", tether.Errorf(tether.EINVALID, "no valid connection id (lowercase letters, digits and '-') "+
			"can be made of the %s", what)
	}
	if other, dup := s.taken[id]; dup {
		return "", tether.Errorf(tether.EINVALID, "it would get the id %q of %s %s", id, what, quoteName(other))
	}
	s.taken[id] = name
	return id, nil
}

// quoteName quotes a name read from a source, or says it is unprintable.
func quoteName(s string) string {
	if tether.TextProblem(s, 253) != "" {
		return "(unprintable)"
	}
	return fmt.Sprintf("%q", s)
}
