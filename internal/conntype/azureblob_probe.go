package conntype

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/tether-ml/tether"
)

// probeAzureBlob reads the properties of the uri's container (Get
// Container Properties) with the SAS token of keySecret, through the Azure
// SDK with env.HTTP as its transport and no retry: a probe answers once.
func probeAzureBlob(ctx context.Context, c *tether.Connection, env tether.ProbeEnv) (string, error) {
	const op = "conntype.probeAzureBlob"
	u, err := url.Parse(string(secretBytes(c.Spec.KeySecret)))
	if err != nil {
		return "", &tether.Error{Code: tether.EINVALID, Op: op,
			Message: "spec.keySecret is not an endpoint URL with a SAS token"}
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(c.Spec.URI, "/"), "/")
	if name == "" {
		return "", &tether.Error{Code: tether.EINVALID, Op: op, Message: "spec.uri names no container"}
	}
	containerURL := *u
	containerURL.Path = strings.TrimSuffix(u.Path, "/") + "/" + name
	containerURL.RawPath = ""
	client, err := container.NewClientWithNoCredential(containerURL.String(), &container.ClientOptions{
		ClientOptions: azcore.ClientOptions{
			Transport: env.HTTP,
			Retry:     policy.RetryOptions{MaxRetries: -1},
			Telemetry: policy.TelemetryOptions{Disabled: true},
		},
	})
	if err != nil {
		return "", &tether.Error{Code: tether.EINVALID, Op: op,
			Message: "spec.keySecret is not an endpoint URL with a SAS token"}
	}
	ctx, cancel := probeContext(ctx, env)
	defer cancel()
	if _, err := client.GetProperties(ctx, nil); err != nil {
		return "", azureProbeError(op, u.Host, name, sasExpiry(u.RawQuery), err)
	}
	return "read the properties of container " + name, nil
}

// azureProbeError maps an error of the blob service to a tether.Error
// whose message holds the status and the error code the service answered,
// never its text (which may quote the request's URL, SAS included). A
// refused SAS whose se= has passed says so.
func azureProbeError(op, host, name string, expiry *tether.Expiry, err error) error {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return unreachable(op, host, err)
	}
	why := http.StatusText(re.StatusCode)
	if code := safeCode(re.ErrorCode); code != "" {
		why = code
	}
	switch re.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		msg := "the storage account refused the SAS token (" + why + ")"
		if expiry != nil && time.Now().After(expiry.At) {
			msg += "; it expired at " + expiry.At.UTC().Format(time.RFC3339)
		}
		return &tether.Error{Code: tether.EUNAUTHORIZED, Op: op, Message: msg}
	case http.StatusNotFound:
		return &tether.Error{Code: tether.ENOTFOUND, Op: op,
			Message: "container " + name + " does not exist (" + why + ")"}
	}
	return &tether.Error{Code: tether.EUNAVAILABLE, Op: op,
		Message: "the blob service at " + host + " answered " + why}
}

// azureBlobExpiry returns the expiry of the SAS token of c's keySecret
// (its se= field), or nil if it has none that parses.
func azureBlobExpiry(c *tether.Connection) *tether.Expiry {
	_, query, _ := strings.Cut(string(secretBytes(c.Spec.KeySecret)), "?")
	return sasExpiry(query)
}

// sasExpiry returns the expiry of the SAS token query, or nil if it has no
// se= that parses. A SAS token is not always well escaped: pairs that do
// not decode are skipped, the others read. se= takes the forms Azure
// accepts: ISO 8601 in UTC, to the second (a fraction allowed), the minute
// or the day.
func sasExpiry(query string) *tether.Expiry {
	values, _ := url.ParseQuery(query)
	se := values.Get("se")
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if at, err := time.Parse(layout, se); err == nil {
			return &tether.Expiry{At: at.UTC(), What: "SAS token"}
		}
	}
	return nil
}
