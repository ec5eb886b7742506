package conntype

import "github.com/tether-ml/tether"

// slackType is a Slack incoming webhook: the webhook URL is the secret (hook.go).
func slackType() *tether.ConnectionType {
	return hookType(hookSpec{
		name:        "slack",
		description: "Slack incoming webhook",
		host:        "https://hooks.slack.com",
		path:        "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
		env:         "SLACK_WEBHOOK_URL",
		airflow:     "slackwebhook",
	})
}
