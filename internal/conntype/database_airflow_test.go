package conntype_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// dbAirflow are the Airflow forms of the database kinds' examples
// (dbExamples), as `airflow connections export` writes them (password
// aside: it is dbPassword where the example has one).
var dbAirflow = map[string]string{
	"postgres":       `{"conn_type":"postgres","host":"db.example","login":"etl","schema":"analytics","port":5432,"extra":{"sslmode":"require"}}`,
	"mysql":          `{"conn_type":"mysql","host":"db.example","login":"etl","schema":"analytics","port":3306,"extra":{"tls":"true"}}`,
	"mssql":          `{"conn_type":"mssql","host":"db.example","login":"etl","schema":"analytics","port":1433}`,
	"oracle":         `{"conn_type":"oracle","host":"db.example","login":"etl","port":1521,"extra":{"service_name":"ORCLPDB1"}}`,
	"vertica":        `{"conn_type":"vertica","host":"db.example","login":"etl","schema":"analytics","port":5433}`,
	"sqlite":         `{"conn_type":"sqlite","host":"/data/app.db"}`,
	"redis":          `{"conn_type":"redis","host":"cache.example","port":6379,"extra":{"db":"2"}}`,
	"presto":         `{"conn_type":"presto","host":"presto.example","login":"etl","schema":"default","port":8443,"extra":{"catalog":"hive","protocol":"https"}}`,
	"mongo":          `{"conn_type":"mongo","host":"mongo-0.example:27017,mongo-1.example:27018","login":"etl","schema":"analytics","extra":{"replicaSet":"rs0"}}`,
	"cassandra":      `{"conn_type":"cassandra","host":"node-0.example,node-1.example","login":"etl","schema":"analytics","port":9042}`,
	"snowflake":      `{"conn_type":"snowflake","login":"etl","schema":"public","extra":{"account":"myorg-account1","database":"analytics","role":"analyst","warehouse":"compute_wh"}}`,
	"databricks":     `{"conn_type":"databricks","host":"adb-1234567890123456.7.azuredatabricks.net","schema":"default","extra":{"catalog":"main","http_path":"/sql/1.0/warehouses/abc123"}}`,
	"hive_metastore": `{"conn_type":"hive_metastore","host":"metastore.example","port":9083}`,
	"hive_server2":   `{"conn_type":"hiveserver2","host":"hs2.example","login":"etl","schema":"default","port":10000,"extra":{"auth":"LDAP"}}`,
	"hive_cli":       `{"conn_type":"hive_cli","host":"hs2.example","login":"etl","schema":"default","port":10000,"extra":{"use_beeline":true}}`,
	"pig_cli":        `{"conn_type":"pig_cli","host":"namenode.example","login":"etl","port":8020}`,
	"jdbc":           `{"conn_type":"jdbc","host":"jdbc:postgresql://db.example:5432/analytics","login":"etl","extra":{"driver_class":"org.postgresql.Driver"}}`,
	"cloudant":       `{"conn_type":"cloudant","host":"myaccount","login":"etl","schema":"analytics"}`,
	"hdfs":           `{"conn_type":"webhdfs","host":"namenode.example","login":"etl","port":9870,"extra":{"use_ssl":false}}`,
}

// TestDatabaseAirflow checks each database kind's Airflow form: what To
// gives for the kind's example, and that From, given it back as Airflow
// exports it (JSON), returns the example's spec, which validates.
func TestDatabaseAirflow(t *testing.T) {
	r := conntype.New()
	for typ, wantJSON := range dbAirflow {
		t.Run(typ, func(t *testing.T) {
			c := validConn(t, typ)
			form := r.Type(typ).Airflow
			a, err := form.To(c)
			if err != nil {
				t.Fatal(err)
			}
			var want tether.AirflowConnection
			if err := json.Unmarshal([]byte(wantJSON), &want); err != nil {
				t.Fatal(err)
			}
			if dbExamples[typ].pass != "" {
				want.Password = dbPassword
			} else if typ == "databricks" {
				want.Password = "dapi0123456789abcdef"
			}
			exported, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			var got tether.AirflowConnection
			if err := json.Unmarshal(exported, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("To (-want +got):\n%s", diff)
			}
			spec, err := form.From(&got)
			if err != nil {
				t.Fatal(err)
			}
			back := &tether.Connection{Kind: tether.Kind, ID: c.ID, Spec: *spec}
			if diff := cmp.Diff(c, back); diff != "" {
				t.Errorf("From(To(c)) (-c +got):\n%s", diff)
			}
			if err := r.Validate(back); err != nil {
				t.Errorf("From(To(c)) is invalid: %v", err)
			}
		})
	}
}

// TestDatabaseAirflowImports checks From on Airflow connections as Airflow
// users write them: default ports, a host list, a sqlite path, conn_types
// whose name is not the kind's, and refuses one without host.
func TestDatabaseAirflowImports(t *testing.T) {
	r := conntype.New()
	cases := []struct {
		typ, json, uri string
		err            bool
	}{
		{"postgres", `{"conn_type":"postgres","host":"db.example","login":"etl","schema":"analytics"}`, "postgres://db.example/analytics", false},
		{"postgres", `{"conn_type":"postgres","host":"::1","port":5432,"login":"etl"}`, "postgres://[::1]:5432", false},
		{"mongo", `{"conn_type":"mongo","host":"cluster0.example","schema":"app","extra":{"srv":true,"retryWrites":"true"}}`,
			"mongodb+srv://cluster0.example/app?retryWrites=true", false},
		{"cassandra", `{"conn_type":"cassandra","host":"a.example,b.example","port":9042,"schema":"ks"}`,
			"cassandra://a.example:9042,b.example:9042/ks", false},
		{"hdfs", `{"conn_type":"hdfs","host":"nn.example","port":8020}`, "hdfs://nn.example:8020", false},
		{"hdfs", `{"conn_type":"webhdfs","host":"nn.example","port":9871,"extra":{"use_ssl":true}}`, "swebhdfs://nn.example:9871", false},
		{"redis", `{"conn_type":"redis","host":"cache.example","extra":{"db":0}}`, "redis://cache.example/0", false},
		{"mssql", `{"conn_type":"mssql","host":"db.example","login":"sa","password":"x","schema":"analytics"}`, "sqlserver://db.example?database=analytics", false},
		{"postgres", `{"conn_type":"postgres","schema":"analytics"}`, "", true},
		{"sqlite", `{"conn_type":"sqlite","host":"app.db"}`, "", true},
	}
	for _, tc := range cases {
		var a tether.AirflowConnection
		if err := json.Unmarshal([]byte(tc.json), &a); err != nil {
			t.Fatal(err)
		}
		spec, err := r.Type(tc.typ).Airflow.From(&a)
		if tc.err {
			if te, ok := err.(*tether.Error); !ok || te.Code != tether.EINVALID {
				t.Errorf("%s: From gave %v, want an EINVALID error", tc.json, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.json, err)
			continue
		}
		if spec.URI != tc.uri {
			t.Errorf("%s: uri %q, want %q", tc.json, spec.URI, tc.uri)
		}
		if err := r.Validate(&tether.Connection{ID: "x", Spec: *spec}); err != nil {
			t.Errorf("%s: %v", tc.json, err)
		}
	}
}
