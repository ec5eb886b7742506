package conntype_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/tether-ml/tether"
)

// Azurite's development account and its key, which Azure's documentation
// publishes: Azurite checks signatures made with it.
const (
	azuriteAccount = "devstoreaccount1"
	azuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// azuriteCredential returns the shared key credential of the account with
// key.
func azuriteCredential(t *testing.T, key string) *azblob.SharedKeyCredential {
	t.Helper()
	cred, err := azblob.NewSharedKeyCredential(azuriteAccount, key)
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// newAzureContainer creates a container on Azurite with the account key
// and returns its name.
func newAzureContainer(t *testing.T, endpoint string) string {
	t.Helper()
	name := "tether-" + randomHex(t, 6)
	client, err := container.NewClientWithSharedKeyCredential(endpoint+"/"+name, azuriteCredential(t, azuriteKey), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Create(t.Context(), nil); err != nil {
		t.Fatalf("creating container %s: %v", name, err)
	}
	return name
}

// accountSAS returns an account SAS token (a query string) for reading
// containers and blobs, valid from an hour before expiry, signed with key.
func accountSAS(t *testing.T, key string, expiry time.Time) string {
	t.Helper()
	qp, err := sas.AccountSignatureValues{
		Protocol:      sas.ProtocolHTTPSandHTTP,
		StartTime:     expiry.Add(-2 * time.Hour),
		ExpiryTime:    expiry,
		Permissions:   (&sas.AccountPermissions{Read: true, List: true}).String(),
		ResourceTypes: (&sas.AccountResourceTypes{Container: true, Object: true}).String(),
	}.SignWithSharedKey(azuriteCredential(t, key))
	if err != nil {
		t.Fatal(err)
	}
	return qp.Encode()
}

// TestAzureBlobProbe reads a container's properties on Azurite with real
// SAS tokens signed with the development account's key, which Azurite
// checks.
func TestAzureBlobProbe(t *testing.T) {
	endpoint := azuriteService.endpoint(t)
	name := newAzureContainer(t, endpoint)
	good := accountSAS(t, azuriteKey, time.Now().Add(time.Hour))
	wrong := accountSAS(t, b64("not the account key, but 64 bytes long for a well formed one...."), time.Now().Add(time.Hour))
	expired := accountSAS(t, azuriteKey, time.Now().Add(-time.Hour))
	// conn's keySecret is "<base>/?<token>", as Odahu has it, or
	// "<base>?<token>" when base ends with "?".
	conn := func(base, token, uri string) *tether.Connection {
		c := validConn(t, "azureblob")
		if !strings.HasSuffix(base, "?") {
			base += "/?"
		}
		c.Spec.URI, c.Spec.KeySecret = uri, tether.Secret(b64(base+token))
		return c
	}
	var secrets []string
	for _, token := range []string{good, wrong, expired} {
		q, err := url.ParseQuery(token)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, q.Get("sig"), url.QueryEscape(q.Get("sig")), b64(endpoint+"/?"+token))
	}
	runProbeCases(t, []probeCase{
		{name: "working", conn: conn(endpoint, good, name+"/models"), msg: "read the properties of container " + name},
		{name: "endpoint without final slash", conn: conn(endpoint+"?", good, name), msg: "container " + name},
		{name: "wrong signature", conn: conn(endpoint, wrong, name),
			code: tether.EUNAUTHORIZED, msg: "the storage account refused the SAS token (AuthorizationFailure)"},
		{name: "expired", conn: conn(endpoint, expired, name),
			code: tether.EUNAUTHORIZED, msg: "; it expired at "},
		{name: "missing container", conn: conn(endpoint, good, name+"-gone"),
			code: tether.ENOTFOUND, msg: "container " + name + "-gone does not exist (ContainerNotFound)"},
		{name: "closed port", conn: conn("http://"+closedPort(t)+"/"+azuriteAccount, good, name),
			code: tether.EUNAVAILABLE, msg: "connection refused"},
		{name: "stalled endpoint", conn: conn("http://"+stalledAddr(t)+"/"+azuriteAccount, good, name),
			timeout: time.Second, code: tether.EUNAVAILABLE, msg: "timed out"},
		{name: "refused address", conn: conn(endpoint, good, name), env: refusingProbeEnv(),
			code: tether.EFORBIDDEN, msg: "is not allowed"},
		{name: "through the egress policy", conn: conn(endpoint, good, name), env: egressProbeEnv(loopback),
			msg: "read the properties of container " + name},
		{name: "egress policy refuses loopback", conn: conn(endpoint, good, name), env: egressProbeEnv(),
			code: tether.EFORBIDDEN, msg: "127.0.0.1"},
	}, append(secrets, azuriteKey, "sig=")...)
}

// TestAzureBlobRenderingWithSDK lists the container's blobs on Azurite
// with the Azure SDK configured only from the rendering's connection
// string, as a job's tool is.
func TestAzureBlobRenderingWithSDK(t *testing.T) {
	endpoint := azuriteService.endpoint(t)
	name := newAzureContainer(t, endpoint)
	c := validConn(t, "azureblob")
	c.Spec.URI = name + "/models"
	c.Spec.KeySecret = tether.Secret(b64(endpoint + "/?" + accountSAS(t, azuriteKey, time.Now().Add(time.Hour))))
	env := render(t, c).Env
	client, err := azblob.NewClientFromConnectionString(env["AZURE_STORAGE_CONNECTION_STRING"], nil)
	if err != nil {
		t.Fatal(err)
	}
	pager := client.NewListBlobsFlatPager(env["AZURE_STORAGE_CONTAINER"], nil)
	if _, err := pager.NextPage(t.Context()); err != nil {
		t.Errorf("listing container %s from the rendering: %v", name, err)
	}
}
