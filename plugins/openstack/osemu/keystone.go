package osemu

import (
	"net/http"
	"strings"
	"time"
)

type project struct{ ID, Name, DomainID string }

type user struct {
	ID, Name, Password, DomainID string
	Projects                     []string
}

type appCred struct{ ID, Secret, UserID, ProjectID string }

type token struct {
	ID        string
	UserID    string
	ProjectID string
	Methods   []string
	Issued    time.Time
	Expires   time.Time
}

// authReq is the body of POST /v3/auth/tokens.
type authReq struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password *struct {
				User struct {
					ID       string `json:"id"`
					Name     string `json:"name"`
					Password string `json:"password"`
					Domain   *ref   `json:"domain"`
				} `json:"user"`
			} `json:"password"`
			AppCred *struct {
				ID     string `json:"id"`
				Name   string `json:"name"`
				Secret string `json:"secret"`
			} `json:"application_credential"`
			Token *struct {
				ID string `json:"id"`
			} `json:"token"`
		} `json:"identity"`
		Scope *struct {
			Project *struct {
				ID     string `json:"id"`
				Name   string `json:"name"`
				Domain *ref   `json:"domain"`
			} `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

type ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

const unauthorized = "The request you have made requires authentication."

func (c *Cloud) keystoneRoutes() {
	c.mux.HandleFunc("GET /identity", c.identityVersions)
	c.mux.HandleFunc("GET /identity/", c.identityVersions)
	c.mux.HandleFunc("GET /identity/v3", c.identityV3)
	c.mux.HandleFunc("GET /identity/v3/", c.identityV3)
	c.mux.HandleFunc("POST /identity/v3/auth/tokens", c.issueToken)
	c.mux.HandleFunc("GET /identity/v3/auth/tokens", c.validateToken)
	c.mux.HandleFunc("DELETE /identity/v3/auth/tokens", c.revokeToken)
}

func (c *Cloud) v3Doc() map[string]any {
	return map[string]any{"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
		"links":       []map[string]string{{"rel": "self", "href": c.base + "/identity/v3/"}},
		"media-types": []map[string]string{{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}}}
}

// identityVersions is Keystone's version discovery (300 Multiple Choices).
func (c *Cloud) identityVersions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusMultipleChoices, map[string]any{"versions": map[string]any{"values": []any{c.v3Doc()}}})
}

func (c *Cloud) identityV3(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": c.v3Doc()})
}

// issueToken authenticates by password or application credential and
// answers 201 with X-Subject-Token and the token with its catalog.
func (c *Cloud) issueToken(w http.ResponseWriter, r *http.Request) {
	var req authReq
	if !decodeBody(w, r, &req, func(w http.ResponseWriter, m string) { keystoneError(w, 400, m) }) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id := req.Auth.Identity
	var u *user
	projectID := ""
	methods := id.Methods
	switch {
	case len(methods) == 1 && methods[0] == "password" && id.Password != nil:
		pu := id.Password.User
		if pu.ID == "" && pu.Domain == nil {
			keystoneError(w, 400, "Expecting to find domain in user. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.")
			return
		}
		for _, cand := range c.users {
			if (pu.ID != "" && cand.ID == pu.ID) || (pu.ID == "" && cand.Name == pu.Name && c.domainMatches(cand.DomainID, pu.Domain)) {
				u = cand
			}
		}
		if u == nil || u.Password != pu.Password {
			keystoneError(w, 401, unauthorized)
			return
		}
	case len(methods) == 1 && methods[0] == "application_credential" && id.AppCred != nil:
		if req.Auth.Scope != nil {
			keystoneError(w, 401, "Application credentials cannot request a scope.")
			return
		}
		for _, ac := range c.appCreds {
			if ac.ID == id.AppCred.ID && ac.Secret == id.AppCred.Secret {
				projectID = ac.ProjectID
				u = c.userByID(ac.UserID)
			}
		}
		if u == nil {
			keystoneError(w, 401, unauthorized)
			return
		}
	case len(methods) == 1 && methods[0] == "token" && id.Token != nil:
		t := c.tokens[id.Token.ID]
		if t == nil || time.Now().After(t.Expires) {
			keystoneError(w, 401, unauthorized)
			return
		}
		u = c.userByID(t.UserID)
	default:
		keystoneError(w, 400, "Expecting to find identity methods password or application_credential in auth.")
		return
	}
	if s := req.Auth.Scope; s != nil && s.Project != nil {
		p := c.findProject(s.Project.ID, s.Project.Name, s.Project.Domain)
		if p == nil || !contains(u.Projects, p.ID) {
			keystoneError(w, 401, unauthorized)
			return
		}
		projectID = p.ID
	}
	now := time.Now().UTC()
	t := &token{ID: "gAAAA" + strings.ReplaceAll(newID(), "-", ""), UserID: u.ID, ProjectID: projectID, Methods: methods, Issued: now, Expires: now.Add(c.opts.TokenTTL)}
	c.tokens[t.ID] = t
	c.issued++
	w.Header().Set("X-Subject-Token", t.ID)
	writeJSON(w, http.StatusCreated, map[string]any{"token": c.tokenBody(t)})
}

func (c *Cloud) validateToken(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.authorize(w, r); !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tokens[r.Header.Get("X-Subject-Token")]
	if t == nil || time.Now().After(t.Expires) {
		keystoneError(w, 404, "Could not find token.")
		return
	}
	w.Header().Set("X-Subject-Token", t.ID)
	writeJSON(w, http.StatusOK, map[string]any{"token": c.tokenBody(t)})
}

func (c *Cloud) revokeToken(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.authorize(w, r); !ok {
		return
	}
	c.mu.Lock()
	delete(c.tokens, r.Header.Get("X-Subject-Token"))
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (c *Cloud) domainMatches(domainID string, d *ref) bool {
	if d == nil {
		return false
	}
	if d.ID != "" {
		return d.ID == domainID
	}
	return d.Name == DomainName && domainID == DomainID
}

func (c *Cloud) findProject(id, name string, d *ref) *project {
	for _, p := range c.projects {
		if (id != "" && p.ID == id) || (id == "" && p.Name == name && c.domainMatches(p.DomainID, d)) {
			return p
		}
	}
	return nil
}

func (c *Cloud) userByID(id string) *user {
	for _, u := range c.users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

func (c *Cloud) tokenBody(t *token) map[string]any {
	u := c.userByID(t.UserID)
	body := map[string]any{
		"methods": t.Methods, "expires_at": t.Expires.Format("2006-01-02T15:04:05.000000Z"), "issued_at": t.Issued.Format("2006-01-02T15:04:05.000000Z"),
		"audit_ids": []string{t.ID[5:27]},
		"user":      map[string]any{"id": u.ID, "name": u.Name, "domain": map[string]string{"id": DomainID, "name": DomainName}, "password_expires_at": nil},
	}
	if t.ProjectID == "" {
		return body
	}
	var p *project
	for _, cand := range c.projects {
		if cand.ID == t.ProjectID {
			p = cand
		}
	}
	body["project"] = map[string]any{"id": p.ID, "name": p.Name, "domain": map[string]string{"id": DomainID, "name": DomainName}}
	body["roles"] = []map[string]string{{"id": "r-member", "name": "member"}, {"id": "r-reader", "name": "reader"}}
	body["is_domain"] = false
	endpoint := func(typ, name, path string) map[string]any {
		var eps []map[string]string
		for _, iface := range []string{"public", "internal"} {
			eps = append(eps, map[string]string{"id": typ + "-" + iface, "interface": iface, "region": Region, "region_id": Region, "url": c.base + path})
		}
		return map[string]any{"type": typ, "name": name, "id": "svc-" + name, "endpoints": eps}
	}
	body["catalog"] = []any{
		endpoint("identity", "keystone", "/identity"),
		endpoint("compute", "nova", "/compute/v2.1"),
		endpoint("network", "neutron", "/network"),
		endpoint("image", "glance", "/image"),
		endpoint("block-storage", "cinderv3", "/volume/v3/"+p.ID),
	}
	return body
}

// authorize checks a service request's X-Auth-Token as
// keystonemiddleware does: a missing, unknown or expired token is 401.
// It answers the project the token is scoped to.
func (c *Cloud) authorize(w http.ResponseWriter, r *http.Request) (string, bool) {
	c.mu.Lock()
	t := c.tokens[r.Header.Get("X-Auth-Token")]
	c.mu.Unlock()
	if t == nil || time.Now().After(t.Expires) {
		keystoneError(w, http.StatusUnauthorized, unauthorized)
		return "", false
	}
	return t.ProjectID, true
}

// ExpireTokens ends every token now: the next call with one is a 401,
// as when a token expires mid-run.
func (c *Cloud) ExpireTokens() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.tokens {
		t.Expires = time.Now().Add(-time.Second)
	}
}

// TokensIssued counts the tokens issued so far.
func (c *Cloud) TokensIssued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.issued
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
