package conntype

import "github.com/tether-ml/tether"

// webhookType is a Any HTTP webhook whose URL is its credential: the webhook URL is the secret (hook.go).
func webhookType() *tether.ConnectionType {
	return hookType(hookSpec{
		name:        "webhook",
		description: "Any HTTP webhook whose URL is its credential",
		host:        "https://hooks.example.com",
		path:        "/notify/XXXXXXXX",
		env:         "WEBHOOK_URL",
		airflow:     "webhook",
	})
}
