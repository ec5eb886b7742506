package conntype

import "github.com/tether-ml/tether"

// mattermostType is a Mattermost incoming webhook: the webhook URL is the secret (hook.go).
func mattermostType() *tether.ConnectionType {
	return hookType(hookSpec{
		name:        "mattermost",
		description: "Mattermost incoming webhook",
		host:        "https://mattermost.example.com",
		path:        "/hooks/xxxxxxxxxxxxxxxxxxxxxxxxxx",
		env:         "MATTERMOST_WEBHOOK_URL",
		airflow:     "mattermost",
	})
}
