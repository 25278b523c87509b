package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/julienschmidt/httprouter"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/sdk"
)

// tokens is an Authenticator of fixed tokens.
type tokens map[string]auth.Identity

func (ts tokens) Authenticate(_ context.Context, tok string) (*auth.Identity, error) {
	id, ok := ts[tok]
	if !ok {
		return nil, auth.ErrBadToken
	}
	return &id, nil
}

// TestGuard: the order of the checks (token 401, rights 403, parameters
// 400) and what each access rule lets through, with the field a 400
// blames and the privileged flag the handler sees.
func TestGuard(t *testing.T) {
	s := &Server{auth: tokens{
		"reg": {User: "alice", Role: "regular"}, "ro": {User: "alice", Role: "regular", ReadOnly: true},
		"sup": {User: "carol", Role: "super"}, "supro": {User: "carol", Role: "super", ReadOnly: true},
	}}
	type out struct {
		Status     int
		Field      string
		Privileged bool
	}
	cases := map[string]struct {
		access      access
		method, url string
		token       string
		want        out
	}{
		"public, no token":                  {public, "GET", "/x", "", out{Status: 200}},
		"public, unknown parameter":         {public, "GET", "/x?a=1", "", out{Status: 400, Field: "a"}},
		"no token":                          {anyToken, "GET", "/x", "", out{Status: 401}},
		"bad token":                         {anyToken, "GET", "/x", "nope", out{Status: 401}},
		"bad token before bad parameter":    {anyToken, "GET", "/x?a=1", "nope", out{Status: 401}},
		"readonly reads":                    {anyToken, "GET", "/x", "ro", out{Status: 200}},
		"readonly reads no secret":          {fullToken, "GET", "/x", "ro", out{Status: 403}},
		"readonly changes nothing":          {fullToken, "DELETE", "/x", "ro", out{Status: 403}},
		"readonly, a read rule on a change": {anyToken, "POST", "/x", "ro", out{Status: 403}},
		"full token":                        {fullToken, "DELETE", "/x", "reg", out{Status: 200}},
		"regular on a super route":          {superRead, "GET", "/x", "reg", out{Status: 403}},
		"super on a super route":            {superRead, "GET", "/x", "supro", out{Status: 200}},
		"readonly super on super-full":      {superFull, "POST", "/x", "supro", out{Status: 403}},
		"rights before parameters":          {superFull, "POST", "/x?a=1", "reg", out{Status: 403}},
		"privileged super":                  {anyToken, "GET", "/x?privileged=true", "sup", out{Status: 200, Privileged: true}},
		"privileged false":                  {anyToken, "GET", "/x?privileged=false", "sup", out{Status: 200}},
		"privileged regular":                {anyToken, "GET", "/x?privileged=true", "reg", out{Status: 403}},
		"privileged not a boolean":          {anyToken, "GET", "/x?privileged=yes", "sup", out{Status: 400, Field: "privileged"}},
		"a parameter it takes":              {anyToken, "GET", "/x?wait=1s", "reg", out{Status: 200}},
		"a parameter it does not take":      {anyToken, "GET", "/x?privilegd=true", "sup", out{Status: 400, Field: "privilegd"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got out
			h := s.guard(route{method: tc.method, path: "/x", access: tc.access, query: []string{"wait"},
				handle: func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
					got.Privileged = tc.access != public && caller(r).Privileged
					w.WriteHeader(http.StatusOK)
				}})
			req := httptest.NewRequest(tc.method, tc.url, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			rec := httptest.NewRecorder()
			h(rec, req, nil)
			got.Status = rec.Code
			if rec.Code != http.StatusOK {
				var e sdk.Error
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Message == "" {
					t.Errorf("%d without a JSON error: %q", rec.Code, rec.Body)
				}
				if len(e.Details) > 0 {
					got.Field = e.Details[0].Field
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
