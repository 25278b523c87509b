package sakura

import (
	"github.com/vccproject/vcc/proto/provider"
)

// credentialKeys are upstream's: the two halves of a Sakura Cloud API
// key, under their names or upstream's older ones (the host sends them
// under the names).
var credentialKeys = []provider.CredentialKey{
	{Name: "token", Aliases: []string{"sakura_token"}, Required: true,
		Description: "the API key's access token (アクセストークン); upstream's older name sakura_token is taken too"},
	{Name: "secret", Aliases: []string{"sakura_secret"}, Required: true,
		Description: "the API key's access token secret (アクセストークンシークレット); upstream's older name sakura_secret is taken too"},
}

// apiKey reads the API key from a call's credentials.
func apiKey(c provider.Credentials) (token, secret string, err error) {
	token, secret = c["token"], c["secret"]
	if token == "" || secret == "" {
		return "", "", provider.AuthFailed("no Sakura Cloud API key: the token and secret credentials are both needed").
			Because("store them: PUT /vcp/v1/occtr/credentials/sakura/token and .../sakura/secret, each {\"value\": \"...\"}").Err()
	}
	return token, secret, nil
}
