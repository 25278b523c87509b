package main_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// TestNotebookAPI: what the Python client for notebooks needs of the API,
// every response checked against the OpenAPI document: list filters, the
// upstream release in /version, a provider's spec schema, storage VCs
// taking disk providers only, and the open operations a unit shows until it settles.
func TestNotebookAPI(t *testing.T) {
	// Slow calls, so that the unit is still changing when looked at.
	h := testenv.StartHost(t, "sim:\n  default: {latency_ms: 300}\n", "--reconcile-interval", "0")
	c := ctx(t)
	cl, v := validated(t, h)

	if ver := must[*sdk.Version](t)(cl.Version(c)); ver.UpstreamVersion != "25.04.0" {
		t.Errorf("upstream_version %q, want 25.04.0", ver.UpstreamVersion)
	}
	p := must[*sdk.ProviderInfo](t)(cl.Provider(c, "sim"))
	if !p.Simulator || !slices.Equal(p.Flavors, []string{"large", "medium", "small"}) || !slices.Equal(p.CatalogEntries, []string{"default"}) {
		t.Errorf("provider sim: %+v", p)
	}
	attrs := map[string]sdk.SchemaAttribute{}
	for _, a := range p.SpecSchema {
		attrs[a.Name] = a
	}
	if a := attrs["instance_type"]; a.Type != "string" || !slices.Contains(a.AllowedValues, "sim.large") {
		t.Errorf("instance_type: %+v", a)
	}
	if a := attrs["num_nodes"]; a.Type != "int" || a.Default != float64(1) {
		t.Errorf("num_nodes: %+v", a)
	}
	if a := attrs["params_e"]; a.Type != "list(string)" || a.Default != nil {
		t.Errorf("params_e: %+v", a)
	}
	if _, err := cl.Provider(c, "aws_disk"); sdk.StatusOf(err) != http.StatusNotFound || !strings.Contains(err.Error(), "installed: ") {
		t.Errorf("unknown provider: %v, want 404 naming the installed ones", err)
	}

	a := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "nb-a", "compute"))
	must[*sdk.VC](t)(cl.CreateUnitGroup(c, "nb-b", ""))
	if _, err := cl.CreateUnitGroup(c, "nb-x", "disk"); sdk.StatusOf(err) != http.StatusBadRequest || !strings.Contains(err.Error(), `must be "compute" or "storage"`) {
		t.Errorf("VC of an unknown type: %v", err)
	}
	// A storage VC takes disk providers only: none is installed here.
	disk := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "nb-disk", "storage"))
	_, err := cl.CreateUnit(c, disk.VCID, sdk.CreateUnitRequest{UnitName: "d", Provider: "sim"})
	var ae *sdk.APIError
	if !asAPIError(err, &ae) || ae.Status != 400 || !hasField(ae.Body.Details, "provider") || !strings.Contains(ae.Body.Details[0].Message, "disk provider (none is installed)") {
		t.Errorf("sim unit in a storage VC: %v, want 400 on provider saying why", err)
	}
	if _, err := cl.DeleteUnitGroup(c, disk.VCID); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		f    sdk.VCFilter
		want []string
	}{
		"name":     {sdk.VCFilter{Name: "nb-a"}, []string{"nb-a"}},
		"absent":   {sdk.VCFilter{Name: "nb-c"}, nil},
		"state":    {sdk.VCFilter{State: "RUNNING"}, []string{"nb-a", "nb-b"}},
		"type":     {sdk.VCFilter{Type: "compute", Name: "nb-b"}, []string{"nb-b"}},
		"no_match": {sdk.VCFilter{State: "ERROR"}, nil},
	} {
		var got []string
		for _, vc := range must[[]sdk.VC](t)(cl.FindUnitGroups(c, tc.f)) {
			got = append(got, vc.Name)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	for field, f := range map[string]sdk.VCFilter{"state": {State: "running"}, "type": {Type: "disk"}} {
		_, err := cl.FindUnitGroups(c, f)
		if !asAPIError(err, &ae) || ae.Status != 400 || !hasField(ae.Body.Details, field) {
			t.Errorf("bad %s filter: %v, want 400 on %s", field, err, field)
		}
	}

	acc := must[*sdk.Accepted](t)(cl.CreateUnit(c, a.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim", Spec: map[string]any{"num_nodes": 2}}))
	u := must[*sdk.Unit](t)(cl.GetUnit(c, a.VCID, "u"))
	if !slices.Equal(u.Operations, []string{acc.OperationID}) {
		t.Errorf("a unit being created shows operations %v, want [%s]", u.Operations, acc.OperationID)
	}
	must[*sdk.Operation](t)(cl.Wait(c, acc.OperationID))
	if vc := must[*sdk.VC](t)(cl.GetUnitGroup(c, a.VCID)); len(vc.Units) != 1 || len(vc.Units[0].Operations) != 0 {
		t.Errorf("a settled unit shows operations: %+v", vc.Units)
	}
	del := must[*sdk.Accepted](t)(cl.DeleteUnitGroup(c, a.VCID))
	if vc, err := cl.GetUnitGroup(c, a.VCID); err == nil && (len(vc.Units) != 1 || !slices.Contains(vc.Units[0].Operations, del.OperationID)) {
		t.Errorf("a VC being deleted: its unit shows %+v, want the delete %s", vc.Units, del.OperationID)
	}
	must[*sdk.Operation](t)(cl.Wait(c, del.OperationID))

	for _, want := range []string{"GET /providers/{provider} 200", "GET /providers/{provider} 404", "GET /vcs 400", "POST /vcs 400", "GET /version 200"} {
		if !v.seen[want] {
			t.Errorf("the session never produced %q; seen: %v", want, keys(v.seen))
		}
	}
}
