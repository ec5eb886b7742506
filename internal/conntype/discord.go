package conntype

import "github.com/tether-ml/tether"

// discordType is a Discord channel webhook: the webhook URL is the secret (hook.go).
func discordType() *tether.ConnectionType {
	return hookType(hookSpec{
		name:        "discord",
		description: "Discord channel webhook",
		host:        "https://discord.com",
		path:        "/api/webhooks/000000000000000000/XXXXXXXXXXXX",
		env:         "DISCORD_WEBHOOK_URL",
		airflow:     "discord",
	})
}
