package sakura

import (
	"github.com/vccproject/vcc/proto/provider"
)

// credentialKeys are upstream's: the two halves of a Sakura Cloud API key.
var credentialKeys = []provider.CredentialKey{
	{Name: "token", Description: "the API key's access token (アクセストークン); upstream's older name sakura_token is read too", Required: true},
	{Name: "secret", Description: "the API key's access token secret (アクセストークンシークレット); upstream's older name sakura_secret is read too", Required: true},
}

// apiKey reads the API key from a call's credentials, under upstream's
// names or their older spellings.
func apiKey(c provider.Credentials) (token, secret string, err error) {
	pick := func(names ...string) string {
		for _, n := range names {
			if v := c[n]; v != "" {
				return v
			}
		}
		return ""
	}
	token, secret = pick("token", "sakura_token"), pick("secret", "sakura_secret")
	if token == "" || secret == "" {
		return "", "", provider.AuthFailed("no Sakura Cloud API key: the token and secret credentials are both needed").
			Because("store them: PUT /vcp/v1/occtr/credentials/sakura/token and .../sakura/secret, each {\"value\": \"...\"}").Err()
	}
	return token, secret, nil
}
