package moto

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// User makes an IAM user allowed only the given actions ("ec2:RunInstances",
// ...) and returns its access key and secret, for tests of what narrow
// IAM policies do. Calls are only checked after EnforceIAM.
func (s *Server) User(t testing.TB, name string, actions ...string) (accessKey, secretKey string) {
	t.Helper()
	iam := func(v url.Values, out any) {
		v.Set("Version", "2010-05-08")
		s.call(t, "iam", v, out)
	}
	iam(url.Values{"Action": {"CreateUser"}, "UserName": {name}}, nil)
	policy := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["` + strings.Join(actions, `", "`) + `"], "Resource": "*"}]}`
	iam(url.Values{"Action": {"PutUserPolicy"}, "UserName": {name}, "PolicyName": {"vcc-test"}, "PolicyDocument": {policy}}, nil)
	var key struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	iam(url.Values{"Action": {"CreateAccessKey"}, "UserName": {name}}, &key)
	if key.ID == "" || key.Secret == "" {
		t.Fatal("moto made no access key")
	}
	return key.ID, key.Secret
}

// EnforceIAM makes moto check every later call's signature and IAM
// policy, as AWS does (it accepts anything until then).
func (s *Server) EnforceIAM(t testing.TB) {
	t.Helper()
	resp, err := http.Post(s.URL+"/moto-api/reset-auth", "text/plain", strings.NewReader("0"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close() // only the status matters
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto reset-auth: %s", resp.Status)
	}
}
