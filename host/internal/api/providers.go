package api

import (
	"net/http"
	"sort"

	"github.com/julienschmidt/httprouter"

	"github.com/vccproject/vcc/sdk"
)

// providerInfo describes one provider from its plugin's Info, so that
// clients (the Python SDK's spec objects) know the fields a spec may have
// without a table of their own per provider.
func (s *Server) providerInfo(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	info, err := s.plugins.Info(ps.ByName("provider"))
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	out := sdk.ProviderInfo{Name: info.Name, Version: info.Version, Description: info.Description,
		Capabilities: []string{}, SpecSchema: []sdk.SchemaAttribute{}, CredentialKeys: []sdk.CredentialKey{}, Flavors: []string{},
		CatalogEntries: s.ctrl.Catalog().Names(info.Name)}
	for _, c := range info.Capabilities {
		out.Capabilities = append(out.Capabilities, string(c))
		out.Simulator = out.Simulator || c == "simulator"
	}
	for _, a := range info.SpecSchema.Attributes {
		out.SpecSchema = append(out.SpecSchema, sdk.SchemaAttribute{Name: a.Name, Type: string(a.Type), Required: a.Required,
			Description: a.Description, Default: a.Default, AllowedValues: a.AllowedValues})
	}
	for _, k := range info.CredentialKeys {
		out.CredentialKeys = append(out.CredentialKeys, sdk.CredentialKey{Name: k.Name, Description: k.Description, Required: k.Required, Aliases: k.Aliases})
	}
	for name := range s.ctrl.Flavors(info.Name)[info.Name] {
		out.Flavors = append(out.Flavors, name)
	}
	sort.Strings(out.Flavors)
	if out.CatalogEntries == nil {
		out.CatalogEntries = []string{}
	}
	writeJSON(w, http.StatusOK, out)
}
