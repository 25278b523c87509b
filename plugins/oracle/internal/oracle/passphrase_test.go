package oracle

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"testing"

	"github.com/vccproject/vcc/plugins/oracle/ociemu"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/youmark/pkcs8"
)

// TestEncryptedKey: an API key kept encrypted (PKCS#8, as `openssl genrsa
// -aes256` and the OCI console's guide make) works with its
// private_key_passphrase; a wrong or missing passphrase is refused on
// credentials.private_key without a call.
func TestEncryptedKey(t *testing.T) {
	w, srv := ociemu.Start(t)
	k, _, err := ociemu.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	user := "ocid1.user.oc1..encrypted"
	fp, err := w.AddUser(user, &k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	der, err := pkcs8.MarshalPrivateKey(k, []byte("s3cret"), nil)
	if err != nil {
		t.Fatal(err)
	}
	encrypted := string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}))
	cases := []struct {
		name, pass string
		wantField  string // of an auth_failed error; "" for none
	}{
		{"right passphrase", "s3cret", ""},
		{"wrong passphrase", "guess", "credentials.private_key"},
		{"no passphrase", "", "credentials.private_key"},
	}
	p := New("test")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := env(w, srv.URL)
			e.Credentials = provider.Credentials{"user_ocid": user, "fingerprint": fp, "private_key": encrypted}
			if tc.pass != "" {
				e.Credentials["private_key_passphrase"] = tc.pass
			}
			before := w.Calls("ListAvailabilityDomains")
			res, err := p.Preflight(context.Background(), provider.PreflightRequest{Env: e, Spec: json.RawMessage(`{}`)})
			var diags provider.Diagnostics
			if err != nil {
				diags = provider.AsDiagnostics(err)
			} else {
				diags = res.Diagnostics
			}
			got := ""
			for _, d := range diags {
				if d.Severity == provider.SeverityError {
					got = d.Field
				}
			}
			if got != tc.wantField {
				t.Errorf("error on %q, want %q: %v", got, tc.wantField, diags)
			}
			if called := w.Calls("ListAvailabilityDomains") > before; called != (tc.wantField == "") {
				t.Errorf("OCI called: %v", called)
			}
		})
	}
}
