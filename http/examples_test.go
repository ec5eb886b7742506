package http_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"testing"

	"golang.org/x/crypto/ssh"
)

// Connections from the Odahu documentation (seeds/000), as JSON. The gcs
// example's "gsc://" typo is corrected, and the git example gets a real
// private key: the documented ones are rejected (see conntype's tests).
const (
	s3Example = `{"kind":"Connection","id":"training-data","spec":{"type":"s3","uri":"s3://raw-data/model/input",
"keyID":"QUtJQUlPU0ZPRE5ON0VYQU1QTEU=","keySecret":"d0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ==",
"description":"Training data for a model","region":"eu-central-1"}}`
	gcsExample = `{"kind":"Connection","id":"gcs-data","spec":{"type":"gcs","uri":"gs://raw-data/model/input",
"keySecret":"eyJ0eXBlIjogInNlcnZpY2VfYWNjb3VudCIsICJwcm9qZWN0X2lkIjogInByb2plY3RfaWQifQ==",
"description":"Training data for a model","region":"us-central2"}}`
	azureExample = `{"kind":"Connection","id":"azure-data","spec":{"type":"azureblob","uri":"raw-data/model/input",
"keySecret":"aHR0cHM6Ly9teWFjY291bnQuYmxvYi5jb3JlLndpbmRvd3MubmV0Lz9zdj0yMDE5LTAyLTAyJnNpZz1hYmM=",
"description":"Training data for a model"}}`
	dockerExample = `{"kind":"Connection","id":"docker-registry","spec":{"type":"docker","uri":"gcr.io/project/odahuflow",
"username":"_json","password":"eyJ0eXBlIjogInNlcnZpY2VfYWNjb3VudCJ9"}}`
	ecrExample = `{"kind":"Connection","id":"ecr-registry","spec":{"type":"ecr","uri":"5555555555.dkr.ecr.eu-central-1.amazonaws.com/odahuflow",
"keyID":"QUtJQUlPU0ZPRE5ON0VYQU1QTEU=","keySecret":"d0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ==",
"description":"Packager registry","region":"eu-central-1"}}`
)

// gitExample returns Odahu's git example with a freshly generated key.
func gitExample(t *testing.T) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	key := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(block))
	return fmt.Sprintf(`{"kind":"Connection","id":"ml-repository","spec":{"type":"git",
"uri":"git@github.com:odahu/odahu-examples.git","keySecret":%q,"reference":"master",
"description":"Git repository with the Odahu-Flow examples","webUILink":"https://github.com/odahu/odahu-examples"}}`, key)
}
