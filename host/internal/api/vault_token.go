package api

import (
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/vccproject/vcc/host/internal/auth"
)

// vaultLookupSelf answers Vault's auth/token/lookup-self for the calling
// token, which notebooks use to check their token: who it is, when it was
// made and when it expires (ttl 0 and no expire_time: it never expires,
// as Vault reports a token without expiry).
func (s *Server) vaultLookupSelf(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	who, tok := caller(r), auth.TokenFromContext(r.Context())
	t, err := s.opts.Vault.LookupToken(r.Context(), tok)
	if err != nil {
		vaultError(w, http.StatusForbidden, "permission denied: "+err.Error())
		return
	}
	var expire any
	ttl, creationTTL := 0, 0
	if !t.Expires.IsZero() {
		expire = t.Expires.UTC().Format(time.RFC3339Nano)
		ttl = max(0, int(time.Until(t.Expires).Seconds()))
		creationTTL = int(t.Expires.Sub(t.Created).Seconds())
	}
	policies := []string{"default", "vcc-user"}
	if who.ReadOnly {
		policies = []string{"default", "vcc-readonly"}
	}
	data := map[string]any{
		"accessor": t.Accessor, "creation_time": t.Created.Unix(), "creation_ttl": creationTTL, "display_name": "token-" + who.User,
		"entity_id": "", "expire_time": expire, "explicit_max_ttl": 0, "id": tok, "issue_time": t.Created.UTC().Format(time.RFC3339Nano),
		"meta":     map[string]string{"user_name": who.User, "user_role": who.Role, "role": who.Access()},
		"num_uses": 0, "orphan": true, "path": "auth/token/create", "policies": policies, "renewable": false, "ttl": ttl, "type": "service",
	}
	writeJSON(w, http.StatusOK, map[string]any{"request_id": "", "lease_id": "", "renewable": false, "lease_duration": 0,
		"data": data, "wrap_info": nil, "warnings": nil, "auth": nil})
}
