package conntype

import "github.com/tether-ml/tether"

// hipchatType is a HipChat room notification URL (its auth_token in the query): the webhook URL is the secret (hook.go).
func hipchatType() *tether.ConnectionType {
	return hookType(hookSpec{
		name:        "hipchat",
		description: "HipChat room notification URL (its auth_token in the query)",
		host:        "https://api.hipchat.com",
		path:        "/v2/room/1234/notification?auth_token=XXXXXXXX",
		env:         "HIPCHAT_WEBHOOK_URL",
		airflow:     "hipchat",
	})
}
