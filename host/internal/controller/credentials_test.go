package controller

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/proto/provider"
)

// TestRefOf: a request's reference counts for a key under its name or
// an alias, the name winning; the name it came under is kept (cubbyhole
// values are remembered by it).
func TestRefOf(t *testing.T) {
	k := provider.CredentialKey{Name: "token", Aliases: []string{"sakura_token"}}
	type got struct {
		Name, Ref string
		OK        bool
	}
	cases := map[string]struct {
		refs map[string]string
		want got
	}{
		"name":      {map[string]string{"token": "vault://secret/a"}, got{"token", "vault://secret/a", true}},
		"alias":     {map[string]string{"sakura_token": "vault://secret/b"}, got{"sakura_token", "vault://secret/b", true}},
		"name_wins": {map[string]string{"token": "vault://secret/a", "sakura_token": "vault://secret/b"}, got{"token", "vault://secret/a", true}},
		"other_key": {map[string]string{"secret": "vault://secret/c"}, got{}},
		"no_refs":   {nil, got{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			n, r, ok := refOf(tc.refs, k)
			if diff := cmp.Diff(tc.want, got{n, r, ok}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
