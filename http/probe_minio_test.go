package http_test

import (
	"encoding/json"
	"testing"

	"github.com/tether-ml/tether/internal/miniotest"
)

// minioBody is the JSON of m.Conn(id, bucket, secretKey), as a client posts it.
func minioBody(t testing.TB, m *miniotest.MinIO, id, bucket, secretKey string) string {
	t.Helper()
	raw, err := json.Marshal(m.Conn(id, bucket, secretKey))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
