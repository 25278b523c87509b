package main_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/vccproject/vcc/sdk"
)

// refusal is a bad spec and the 400 it must get: on field, saying says.
type refusal struct {
	name  string
	spec  map[string]any
	field string
	says  []string
}

// refuseSpecs creates a unit "bad" of provider with each spec in VC vcid
// and checks its 400, as a subtest each.
func refuseSpecs(t *testing.T, c context.Context, cl *sdk.Client, vcid, provider string, cases []refusal) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cl.CreateUnit(c, vcid, sdk.CreateUnitRequest{UnitName: "bad", Provider: provider, Spec: tc.spec})
			apiErr(t, err, http.StatusBadRequest, tc.field, tc.says...)
		})
	}
}
