package main_test

import (
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
)

// BenchmarkAuthenticatedGET compares requests/s of an authenticated GET
// (the embedded backend, with its short token cache) with an
// unauthenticated one, over keep-alive HTTPS from 8 clients. The Vault
// backend's figure comes from the vaulttest module.
func BenchmarkAuthenticatedGET(b *testing.B) {
	testenv.BenchAuth(b, testenv.StartHost(b, "", "--reconcile-interval", "0"))
}
