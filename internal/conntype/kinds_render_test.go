package conntype_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/conntype"
)

// TestKindRenderings checks the variables and files of the new kinds:
// each wanted variable has its value, each wanted file holds the text.
func TestKindRenderings(t *testing.T) {
	type tc struct {
		name  string
		typ   string
		mut   func(c *tether.Connection)
		env   map[string]string
		files map[string]string // file -> a substring
		none  []string          // variables that must be absent
	}
	cases := []tc{
		{name: "slack", typ: "slack", env: map[string]string{
			"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"}},
		{name: "pager_duty", typ: "pager_duty", env: map[string]string{"PAGERDUTY_ROUTING_KEY": "0123456789abcdef0123456789abcdef",
			"PAGERDUTY_EVENTS_URL": "https://events.pagerduty.com/v2/enqueue"}},
		{name: "http basic", typ: "http", env: map[string]string{"HTTP_BASE_URL": "https://api.example.com/v1",
			"HTTP_USERNAME": "reader", "HTTP_PASSWORD": "s3cr3t", "HTTP_AUTHORIZATION": "Basic cmVhZGVyOnMzY3IzdA==",
			"NETRC": "/conn/netrc"}, files: map[string]string{"netrc": "machine api.example.com login reader password s3cr3t\n"},
			none: []string{"HTTP_TOKEN"}},
		{name: "http bearer", typ: "http", mut: user(""), env: map[string]string{"HTTP_TOKEN": "s3cr3t",
			"HTTP_AUTHORIZATION": "Bearer s3cr3t"}, none: []string{"HTTP_USERNAME", "NETRC"}},
		{name: "ftp", typ: "ftp", env: map[string]string{"FTP_HOST": "ftp.example.com", "FTP_PORT": "21", "FTP_USER": "loader",
			"FTP_PASSWORD": "s3cr3t"}, files: map[string]string{"netrc": "machine ftp.example.com login loader password s3cr3t"}},
		{name: "samba", typ: "samba", env: map[string]string{"SMB_HOST": "files.example.com", "SMB_PORT": "445",
			"SMB_SHARE": "datasets", "SMB_DOMAIN": "CORP", "SMB_CREDENTIALS_FILE": "/conn/smb-credentials"},
			files: map[string]string{"smb-credentials": "username=loader\npassword=s3cr3t\ndomain=CORP\n"}},
		{name: "grpc", typ: "grpc", env: map[string]string{"GRPC_TARGET": "model.example.com:443", "GRPC_TLS": "true", "GRPC_TOKEN": "t0ken"}},
		{name: "grpc plain", typ: "grpc", mut: uri("grpc://[::1]:50051"), env: map[string]string{"GRPC_TARGET": "[::1]:50051", "GRPC_TLS": "false"}},
		{name: "jenkins", typ: "jenkins", env: map[string]string{"JENKINS_URL": "https://jenkins.example.com", "JENKINS_USER_ID": "ci-bot",
			"JENKINS_API_TOKEN": "11223344556677889900aabbccddeeff00"}},
		{name: "segment", typ: "segment", env: map[string]string{"SEGMENT_WRITE_KEY": "wr1teKeyExample0000000000000000"}},
		{name: "ssh password", typ: "ssh", env: map[string]string{"SSHPASS": "s3cr3t", "SSH_HOST": "bastion.example.com",
			"SSH_PORT": "22", "SSH_USER": "ops", "SSH_COMMAND": "ssh -F '/conn/ssh_config'"},
			files: map[string]string{"ssh_config": "Host bastion.example.com\n  HostName bastion.example.com\n  Port 22\n  User ops\n  StrictHostKeyChecking yes\n"}},
		{name: "aws", typ: "aws", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_REGION": "eu-central-1",
			"AWS_SHARED_CREDENTIALS_FILE": "/conn/credentials"},
			files: map[string]string{"credentials": "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", "config": "region = eu-central-1\n"},
			none:  []string{"AWS_ENDPOINT_URL"}},
		{name: "gcp", typ: "gcp", env: map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": "/conn/key.json",
			"CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE": "/conn/key.json", "GOOGLE_CLOUD_PROJECT": "project-id", "CLOUDSDK_CORE_PROJECT": "project-id"},
			files: map[string]string{"key.json": `"type": "service_account"`}},
		{name: "azure", typ: "azure", env: map[string]string{"AZURE_TENANT_ID": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
			"AZURE_CLIENT_ID": "66666666-7777-8888-9999-000000000000", "AZURE_CLIENT_SECRET": "client~secret",
			"AZURE_SUBSCRIPTION_ID": "11111111-2222-3333-4444-555555555555"}},
		{name: "wasb key", typ: "wasb", env: map[string]string{"AZURE_STORAGE_ACCOUNT": "myaccount", "AZURE_STORAGE_CONTAINER": "data",
			"AZURE_STORAGE_KEY":               "bXlhY2NvdW50a2V5bXlhY2NvdW50a2V5bXlhY2NvdW50a2V5bXlhY2NvdW50a2V5MTI==",
			"AZURE_STORAGE_CONNECTION_STRING": "DefaultEndpointsProtocol=https;AccountName=myaccount;AccountKey=bXlhY2NvdW50a2V5bXlhY2NvdW50a2V5bXlhY2NvdW50a2V5bXlhY2NvdW50a2V5MTI==;EndpointSuffix=core.windows.net"},
			none: []string{"AZURE_STORAGE_SAS_TOKEN"}},
		{name: "wasb sas", typ: "wasb", mut: func(c *tether.Connection) {
			c.Spec.KeySecret, c.Spec.Parameters = "", tether.Params{"sasToken": b64("?sv=2022-11-02&sig=abc")}
		}, env: map[string]string{"AZURE_STORAGE_SAS_TOKEN": "sv=2022-11-02&sig=abc",
			"AZURE_STORAGE_CONNECTION_STRING": "BlobEndpoint=https://myaccount.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sig=abc"},
			none: []string{"AZURE_STORAGE_KEY"}},
		{name: "custom", typ: "custom", mut: param("db.host-name", "x"), env: map[string]string{"FEATURE_STORE_TOKEN": "s3cr3t",
			"FEATURE_STORE_PROJECT": "churn", "DB_HOST_NAME": "x", "CONNECTION_URI": "https://features.example.com"}},
		{name: "git https", typ: "git", mut: func(c *tether.Connection) {
			c.Spec = tether.ConnectionSpec{Type: "git", URI: "https://gitlab.com/org/test", Password: tether.Secret(b64("glpat-x"))}
		}, env: map[string]string{"GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_0": "credential.https://gitlab.com.helper",
			"GIT_CONFIG_VALUE_0": "", "GIT_CONFIG_KEY_1": "credential.https://gitlab.com.helper",
			"GIT_CONFIG_VALUE_1": `!f() { test "$1" = get && cat '/conn/git-credential'; }; f`, "GIT_TERMINAL_PROMPT": "0"},
			files: map[string]string{"git-credential": "username=x-access-token\npassword=glpat-x\n"}, none: []string{"GIT_SSH_COMMAND"}},
	}
	reg := conntype.New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validConn(t, tc.typ)
			if tc.mut != nil {
				tc.mut(c)
			}
			if err := reg.Validate(c); err != nil {
				t.Fatal(err)
			}
			r, err := reg.Type(tc.typ).Render(c, "/conn")
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.env {
				if got, ok := r.Env[k]; !ok || got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			for f, sub := range tc.files {
				if !strings.Contains(string(r.Files[f]), sub) {
					t.Errorf("file %s = %q, want it to contain %q", f, r.Files[f], sub)
				}
			}
			for _, k := range tc.none {
				if _, ok := r.Env[k]; ok {
					t.Errorf("%s is set", k)
				}
			}
		})
	}
}

// TestGitHTTPSRenderingKeepsTokenOut checks that no variable of a git
// rendering over HTTPS carries the token: only the file does.
func TestGitHTTPSRenderingKeepsTokenOut(t *testing.T) {
	c := &tether.Connection{ID: "repo", Spec: tether.ConnectionSpec{Type: "git", URI: "https://gitlab.com/org/test",
		Username: "bot", Password: tether.Secret(b64("glpat-secret-token"))}}
	r, err := conntype.New().Type("git").Render(c, "/conn")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range r.Env {
		if strings.Contains(v, "glpat-secret-token") {
			t.Errorf("%s carries the token", k)
		}
	}
	if diff := cmp.Diff([]string{"GIT_CONFIG_VALUE_1"}, r.FileEnv); diff != "" {
		t.Errorf("FileEnv (-want +got):\n%s", diff)
	}
}
