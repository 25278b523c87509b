package awsprov

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/provider"
)

// TestClientPerCredentials: one EC2 client per region, endpoint and
// credentials, kept while they stay; a rotation builds a new one, which
// signs with the new session token.
func TestClientPerCredentials(t *testing.T) {
	p := New("0.1.0", false)
	ctx := context.Background()
	entry := func(region string) json.RawMessage {
		return json.RawMessage(`{"aws_region": "` + region + `", "aws_vpc_subnet_id": "subnet-0123abcd", "aws_vpc_security_group_id": "sg-0123abcd", "aws_endpoint_url": "http://127.0.0.1:1"}`)
	}
	env := provider.CallEnv{CatalogEntry: entry("us-east-1"), Credentials: provider.Credentials{"access_key": "AKIA1", "secret_key": "s1"}}
	a, _, err := p.client(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	if b, _, _ := p.client(ctx, env); b != a {
		t.Error("the same target built a second client")
	}
	other := env
	other.CatalogEntry = entry("ap-northeast-1")
	if b, _, _ := p.client(ctx, other); b == a {
		t.Error("another region shares the client")
	}
	rotated := env
	rotated.Credentials = provider.Credentials{"access_key": "AKIA1", "secret_key": "s1", "session_token": "token-2"}
	b, _, _ := p.client(ctx, rotated)
	if b == a {
		t.Fatal("a new session token kept the old client")
	}
	creds, err := b.API().Options().Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"AKIA1", "s1", "token-2"}, []string{creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken}); diff != "" {
		t.Errorf("credentials (-want +got):\n%s", diff)
	}
}
