package main_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// rawCall sends a hand-made request (for bodies the SDK would never
// send) and returns an *sdk.APIError for non-2xx answers.
func rawCall(t *testing.T, h *testenv.Host, method, path, body, token string) error {
	t.Helper()
	req, _ := http.NewRequest(method, h.URL+sdk.Prefix+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpsClient(t, h).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer closeBody(resp)
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 300 {
		return nil
	}
	ae := &sdk.APIError{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, &ae.Body); err != nil || ae.Body.Message == "" {
		t.Errorf("error body is not the JSON error shape: %q", raw)
	}
	return ae
}

func httpsClient(t testing.TB, h *testenv.Host) *http.Client {
	pem, err := os.ReadFile(h.CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func asAPIError(err error, target **sdk.APIError) bool { return errors.As(err, target) }

func authReq(t *testing.T, h *testenv.Host, path string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, h.URL+sdk.Prefix+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.Token)
	return req
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
