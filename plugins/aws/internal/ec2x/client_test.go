package ec2x

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestShared: one client per region, endpoint and access key, kept while
// the secret and session token stay; a rotation builds a new one, which
// signs with the new session token.
func TestShared(t *testing.T) {
	base := Target{Region: "us-east-1", AccessKey: "AKIA1", SecretKey: "s1", Endpoint: "http://127.0.0.1:1"}
	a := Shared(base)
	if Shared(base) != a {
		t.Error("the same target built a second client")
	}
	other := base
	other.Region = "ap-northeast-1"
	if Shared(other) == a {
		t.Error("another region shares the client")
	}
	rotated := base
	rotated.SessionToken = "token-2"
	b := Shared(rotated)
	if b == a {
		t.Fatal("a new session token kept the old client")
	}
	creds, err := b.ec2.Options().Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := []string{creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken}
	if diff := cmp.Diff([]string{"AKIA1", "s1", "token-2"}, got); diff != "" {
		t.Errorf("credentials (-want +got):\n%s", diff)
	}
	if Shared(rotated) != b {
		t.Error("the rotated target built a third client")
	}
}
