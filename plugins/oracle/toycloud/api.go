package toycloud

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Server is a VM as the API shows it.
type Server struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Image    string            `json:"image"`
	Size     string            `json:"size"`
	Network  string            `json:"network"`
	Address  string            `json:"address"`
	Status   string            `json:"status"` // pending running stopping stopped starting rebooting deleting
	Tags     map[string]string `json:"tags"`
	UserData string            `json:"user_data"`
	Created  time.Time         `json:"created"`
}

// apiError is the body of every failed call.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func fail(status int, code, msg string) *apiError { return &apiError{status, code, msg} }

// Handler serves the API under /v1.
func (c *Cloud) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/images/{name}", c.auth(c.getImage))
	mux.HandleFunc("GET /v1/networks/{id}", c.auth(c.getNetwork))
	mux.HandleFunc("POST /v1/servers", c.auth(c.create))
	mux.HandleFunc("GET /v1/servers", c.auth(c.list))
	mux.HandleFunc("GET /v1/servers/{id}", c.auth(c.get))
	mux.HandleFunc("DELETE /v1/servers/{id}", c.auth(c.delete))
	mux.HandleFunc("POST /v1/servers/{id}/actions", c.auth(c.act))
	mux.HandleFunc("GET /v1/statuses", c.auth(c.statuses))
	return mux
}

type handler func(r *http.Request) (status int, body any, err *apiError)

// auth checks the API key and the key's role, then answers JSON.
func (c *Cloud) auth(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		role, known := c.opts.Keys[key]
		var (
			status int
			body   any
			err    *apiError
		)
		switch {
		case !ok || !known:
			err = fail(http.StatusUnauthorized, "unauthorized", "missing or unknown API key")
		case role != Admin && r.Method != http.MethodGet:
			err = fail(http.StatusForbidden, "forbidden", "this API key may only read")
		default:
			status, body, err = h(r)
		}
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			status, body = err.Status, map[string]*apiError{"error": err}
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}
}

func (c *Cloud) getImage(r *http.Request) (int, any, *apiError) {
	for _, im := range Images {
		if im == r.PathValue("name") {
			return http.StatusOK, map[string]string{"name": im}, nil
		}
	}
	return 0, nil, fail(http.StatusNotFound, "not_found", "no image "+r.PathValue("name"))
}

func (c *Cloud) getNetwork(r *http.Request) (int, any, *apiError) {
	p, ok := c.networks[r.PathValue("id")]
	if !ok {
		return 0, nil, fail(http.StatusNotFound, "not_found", "no network "+r.PathValue("id"))
	}
	return http.StatusOK, map[string]string{"id": r.PathValue("id"), "cidr": p.String()}, nil
}
