package migration_test

import (
	"testing"
	"testing/fstest"

	"github.com/tether-ml/tether/internal/migration"
)

func TestLoad(t *testing.T) {
	good := fstest.MapFS{
		"migrations/0002_more.sql": {Data: []byte("B")},
		"migrations/0001_init.sql": {Data: []byte("A")},
	}
	got, err := migration.Load(good)
	if err != nil || len(got) != 2 || got[0].Version != 1 || got[1].Name != "0002_more.sql" || got[1].SQL != "B" {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"gap":        {"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}},
		"duplicate":  {"migrations/0001_a.sql": {}, "migrations/0001_b.sql": {}},
		"unnumbered": {"migrations/init.sql": {}},
		"empty":      {},
	} {
		if _, err := migration.Load(fsys); err == nil {
			t.Errorf("%s: Load accepted it", name)
		}
	}
}
