package armemu

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// The sign-in endpoints of Microsoft Entra ID that azidentity's
// client-secret credential uses: OpenID discovery of the tenant, then the
// token endpoint with grant_type client_credentials.

const tokenLife = time.Hour

func (s *Server) login(w http.ResponseWriter, r *http.Request, parts []string) {
	tenant := parts[0]
	switch {
	case len(parts) >= 3 && strings.EqualFold(strings.Join(parts[1:], "/"), "v2.0/.well-known/openid-configuration"):
		if tenant != s.Tenant {
			writeJSON(w, http.StatusBadRequest, aadError("invalid_tenant", "AADSTS90002: Tenant '"+tenant+"' not found. Check to make sure you have the correct tenant ID."))
			return
		}
		base := s.URL + "/" + tenant
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                   base + "/v2.0",
			"authorization_endpoint":   base + "/oauth2/v2.0/authorize",
			"token_endpoint":           base + "/oauth2/v2.0/token",
			"jwks_uri":                 s.URL + "/discovery/v2.0/keys",
			"response_types_supported": []string{"code", "id_token", "token"},
		})
	case len(parts) == 4 && strings.EqualFold(strings.Join(parts[1:], "/"), "oauth2/v2.0/token") && r.Method == http.MethodPost:
		s.token(w, r, tenant)
	default:
		writeJSON(w, http.StatusNotFound, aadError("invalid_request", "AADSTS90099: no such endpoint"))
	}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request, tenant string) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, aadError("invalid_request", "AADSTS900144: the request body must contain the parameter grant_type"))
		return
	}
	f := r.PostForm
	switch {
	case tenant != s.Tenant:
		writeJSON(w, http.StatusBadRequest, aadError("invalid_tenant", "AADSTS90002: Tenant '"+tenant+"' not found."))
	case f.Get("grant_type") != "client_credentials":
		writeJSON(w, http.StatusBadRequest, aadError("unsupported_grant_type", "AADSTS70003: the app requested an unsupported grant type"))
	case f.Get("client_id") != s.ClientID:
		writeJSON(w, http.StatusBadRequest, aadError("unauthorized_client", "AADSTS700016: Application with identifier '"+f.Get("client_id")+"' was not found in the directory '"+tenant+"'."))
	case f.Get("client_secret") != s.ClientSecret:
		writeJSON(w, http.StatusUnauthorized, aadError("invalid_client", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+s.ClientID+"'."))
	case !strings.Contains(f.Get("scope"), "/.default"):
		writeJSON(w, http.StatusBadRequest, aadError("invalid_scope", "AADSTS1002012: The provided value for scope is not valid."))
	default:
		b := make([]byte, 24)
		_, _ = rand.Read(b)
		tok := hex.EncodeToString(b)
		s.mu.Lock()
		s.tokens[tok] = s.now().Add(tokenLife)
		s.stats.Tokens++
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": int(tokenLife.Seconds()), "ext_expires_in": int(tokenLife.Seconds()), "access_token": tok})
	}
}

func aadError(code, desc string) map[string]any {
	return map[string]any{"error": code, "error_description": desc, "error_codes": []int{}, "timestamp": time.Now().UTC().Format("2006-01-02 15:04:05Z")}
}

// authorized checks ARM's bearer token.
func (s *Server) authorized(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return fail(http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
	}
	exp, ok := s.tokens[tok]
	if !ok || s.now().After(exp) {
		return fail(http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid.")
	}
	return nil
}
