package http_test

import (
	"bytes"
	"os"
	"testing"

	thttp "github.com/tether-ml/tether/http"
)

// TestOpenAPIDocumentListsTheRegisteredTypes checks that the document
// served for the built-in types is the file in the repository byte for
// byte: the file's three type enums are the registry's types.
func TestOpenAPIDocumentListsTheRegisteredTypes(t *testing.T) {
	file, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := thttp.OpenAPIDocument(); !bytes.Equal(got, file) {
		t.Errorf("openapi.json differs from the document generated from the registry (%d and %d bytes): "+
			"list the registry's types in its type enums", len(file), len(got))
	}
}
