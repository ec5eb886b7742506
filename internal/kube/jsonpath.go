package kube

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"k8s.io/client-go/util/jsonpath"

	"github.com/tether-ml/tether"
)

// PrintJSONPath writes the result of kubectl's JSONPath expression expr
// over v (anything JSON-encodable) to w. It accepts kubectl's form
// ("{[*].spec.reference}") and odahuflowctl's ("[*].spec.reference"),
// which lacks the braces. Missing keys print nothing, as kubectl does.
func PrintJSONPath(w io.Writer, expr string, v any) error {
	if !strings.Contains(expr, "{") {
		expr = "{" + expr + "}"
	}
	jp := jsonpath.New("output").AllowMissingKeys(true)
	if err := jp.Parse(expr); err != nil {
		return tether.Errorf(tether.EINVALID, "invalid JSONPath %q: %v", expr, err)
	}
	data, err := toGeneric(v)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := jp.Execute(&buf, data); err != nil {
		return tether.Errorf(tether.EINVALID, "JSONPath %q: %v", expr, err)
	}
	if buf.Len() > 0 && !bytes.HasSuffix(buf.Bytes(), []byte("\n")) {
		buf.WriteByte('\n')
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// toGeneric turns v into the maps and slices JSONPath walks, with the JSON
// field names.
func toGeneric(v any) (any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("jsonpath: %w", err)
	}
	var out any
	return out, json.Unmarshal(raw, &out)
}
