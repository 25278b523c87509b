package armemu

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
)

// arm routes a path after /subscriptions/{id}.
func (s *Server) arm(w http.ResponseWriter, r *http.Request, p []string) {
	if len(p) == 0 {
		writeJSON(w, http.StatusOK, map[string]any{"subscriptionId": s.Subscription, "state": "Enabled"})
		return
	}
	if strings.EqualFold(p[0], "providers") {
		s.subscriptionLevel(w, r, p[1:])
		return
	}
	if !strings.EqualFold(p[0], "resourceGroups") || len(p) < 2 {
		writeErr(w, fail(http.StatusNotFound, "NotFound", "no such path"))
		return
	}
	g, ok := s.groups[key(p[1])]
	if !ok {
		writeErr(w, fail(http.StatusNotFound, "ResourceGroupNotFound", "Resource group '%s' could not be found.", p[1]))
		return
	}
	if len(p) == 2 {
		writeJSON(w, http.StatusOK, map[string]any{"id": "/subscriptions/" + s.Subscription + "/resourceGroups/" + g.name,
			"name": g.name, "location": g.location, "properties": map[string]any{"provisioningState": "Succeeded"}})
		return
	}
	if len(p) < 5 || !strings.EqualFold(p[2], "providers") {
		writeErr(w, fail(http.StatusNotFound, "NotFound", "no such path"))
		return
	}
	typ, name, rest := key(p[3]+"/"+p[4]), at(p, 5), p[min(6, len(p)):]
	switch typ {
	case "microsoft.network/virtualnetworks":
		s.vnet(w, r, g, name, rest)
	case "microsoft.network/networksecuritygroups":
		s.nsg(w, r, g, name)
	case "microsoft.network/networkinterfaces":
		s.nic(w, r, g, name)
	case "microsoft.compute/virtualmachines":
		s.vmRoute(w, r, g, name, rest)
	case "microsoft.compute/disks":
		s.disk(w, r, g, name)
	case "microsoft.compute/snapshots":
		s.snapshot(w, r, g, name)
	case "microsoft.compute/images":
		s.image(w, r, g, name)
	default:
		writeErr(w, fail(http.StatusBadRequest, "NoRegisteredProviderFound", "No registered resource provider found for type '%s/%s'.", p[3], p[4]))
	}
}

// subscriptionLevel: operations, the marketplace, sizes and the
// subscription-wide VM list.
func (s *Server) subscriptionLevel(w http.ResponseWriter, r *http.Request, p []string) {
	if len(p) >= 5 && strings.EqualFold(p[1], "locations") && strings.EqualFold(p[3], "operations") {
		s.operation(w, r, p[4])
		return
	}
	if len(p) >= 4 && strings.EqualFold(p[0], "Microsoft.Compute") && strings.EqualFold(p[1], "locations") && strings.EqualFold(p[3], "publishers") {
		s.marketplace(w, p[2], p[4:])
		return
	}
	if len(p) == 4 && strings.EqualFold(p[0], "Microsoft.Compute") && strings.EqualFold(p[1], "locations") && strings.EqualFold(p[3], "vmSizes") {
		s.vmSizes(w, p[2])
		return
	}
	if len(p) == 4 && strings.EqualFold(p[0], "Microsoft.Compute") && strings.EqualFold(p[1], "locations") && strings.EqualFold(p[3], "usages") {
		s.usages(w, p[2])
		return
	}
	if len(p) == 2 && strings.EqualFold(p[0], "Microsoft.Compute") && strings.EqualFold(p[1], "skus") && r.Method == http.MethodGet {
		s.skus(w)
		return
	}
	if len(p) == 2 && strings.EqualFold(p[0], "Microsoft.Compute") && strings.EqualFold(p[1], "virtualMachines") && r.Method == http.MethodGet {
		s.listAllVMs(w, r)
		return
	}
	writeErr(w, fail(http.StatusNotFound, "NotFound", "no such path"))
}

// decode reads a JSON body into v, answering Azure's error when it is
// not JSON.
func decode(r *http.Request, v any) *apiError {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return fail(http.StatusBadRequest, "InvalidRequestContent", "could not read the request body: %v", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fail(http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: %v", err)
	}
	return nil
}

// list answers {"value": [...]} sorted by id.
func list[T any](w http.ResponseWriter, items []T, id func(T) string) {
	sort.Slice(items, func(i, j int) bool { return id(items[i]) < id(items[j]) })
	if items == nil {
		items = []T{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": items})
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeErr(w, fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '%s'.", r.Method))
}
