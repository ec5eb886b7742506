package conntype

import (
	"strconv"

	"github.com/tether-ml/tether"
)

// redisType is a Redis server (rediss:// for TLS). The password is
// requirepass's, or an ACL user's with spec.username; the uri's path is the
// database number. redis-cli reads REDISCLI_AUTH; REDIS_URL (and
// DATABASE_URL) is the URL that redis-cli -u, redis-py and go-redis take,
// whose user is "default" (Redis 6 and later) when the password has none.
func redisType() *tether.ConnectionType {
	return dbType(&dbKind{
		name: "redis", desc: "Redis server",
		example: "redis://cache.example:6379/0",
		schemes: []string{"redis", "rediss"}, port: 6379, hosts: dbOneHost,
		login: needOptional, secret: needOptional,
		userDoc: "ACL user (Redis 6 and later); empty for the default user",
		passDoc: "Password (requirepass, or the ACL user's), base64-encoded",
		check:   checkRedis, env: renderRedis, airflow: []string{"redis"},
		toAirflow: func(t *dbTarget, a *tether.AirflowConnection) {
			if a.Schema != "" {
				a.Extra["db"], a.Schema = a.Schema, ""
			}
		},
		fromAirflow: func(_ *tether.AirflowConnection, u *airflowURI, _ *tether.ConnectionSpec) error {
			if db := u.opts.Get("db"); db != "" {
				u.path = db
				u.opts.Del("db")
			}
			return nil
		},
	})
}

// checkRedis checks that the database is a number.
func checkRedis(t *dbTarget, p *tether.Problems) {
	if n, err := strconv.Atoi(t.path); t.path != "" && (err != nil || n < 0) {
		p.Add("spec.uri", "path must be the database number, e.g. /0")
	}
}

func renderRedis(t *dbTarget, r *tether.Rendering, _ string) {
	host, port := t.host()
	r.Env["REDIS_HOST"], r.Env["REDIS_PORT"] = host, strconv.Itoa(port)
	setIf(r.Env, "REDISCLI_AUTH", t.pass)
	u := *t
	if u.user == "" && u.pass != "" {
		// redis-cli -u sends the URL's user, even an empty one, with
		// the password: the default user is the one requirepass sets.
		u.user = "default"
	}
	r.Env["REDIS_URL"] = u.url()
	r.Env["DATABASE_URL"] = r.Env["REDIS_URL"]
}
