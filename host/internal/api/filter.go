package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/sdk"
)

// vcStates and vcTypes are the values the list filters accept; anything
// else is a 400 rather than an empty list, so a typo is not mistaken for
// "no such VC".
var (
	vcStates = []string{string(model.VCApplying), string(model.VCRunning), string(model.VCDeleting), string(model.VCError)}
	vcTypes  = []string{"compute", "storage"}
)

// listFilter selects VCs by exact name, state and type; empty fields
// match everything.
type listFilter struct{ name, state, typ string }

func (f listFilter) match(vc *model.VC) bool {
	return (f.name == "" || vc.Name == f.name) && (f.state == "" || string(vc.State) == f.state) && (f.typ == "" || vc.Type == f.typ)
}

// vcFilter reads ?name=, ?state= and ?type= of GET /vcs.
func vcFilter(w http.ResponseWriter, r *http.Request) (listFilter, bool) {
	q := r.URL.Query()
	f := listFilter{name: q.Get("name"), state: q.Get("state"), typ: q.Get("type")}
	for field, v := range map[string]struct {
		val     string
		allowed []string
	}{"state": {f.state, vcStates}, "type": {f.typ, vcTypes}} {
		if v.val != "" && !slices.Contains(v.allowed, v.val) {
			writeError(w, http.StatusBadRequest, "bad list filter", sdk.FieldError{Field: field,
				Message: fmt.Sprintf("%q is not a VC %s; use one of %s", v.val, field, strings.Join(v.allowed, ", "))})
			return f, false
		}
	}
	return f, true
}
