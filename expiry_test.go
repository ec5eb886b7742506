package tether_test

import (
	"testing"
	"time"

	"github.com/tether-ml/tether"
)

func TestEarliest(t *testing.T) {
	t0 := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	sas := &tether.Expiry{At: t0, What: "SAS token"}
	cert := &tether.Expiry{At: t0.Add(time.Hour), What: "caBundle certificate"}
	tests := []struct {
		name string
		a, b *tether.Expiry
		want *tether.Expiry
	}{
		{"none", nil, nil, nil},
		{"only a", sas, nil, sas},
		{"only b", nil, cert, cert},
		{"a first", sas, cert, sas},
		{"b first", cert, sas, sas},
		{"same moment keeps a", cert, &tether.Expiry{At: cert.At, What: "other"}, cert},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tether.Earliest(tc.a, tc.b); got != tc.want {
				t.Errorf("Earliest = %+v, want %+v", got, tc.want)
			}
		})
	}
}
