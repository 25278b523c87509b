package config

import (
	"encoding/json"

	"github.com/vccproject/vcc/proto/provider"
)

// Flavors are the presets of vcp_flavor.yml (provider → flavor → spec
// values), laid over the flavors each plugin declares.
type Flavors struct {
	File    string
	Entries map[string]map[string]*Entry
}

// LoadFlavors parses path; a missing file means "only the plugins'
// own flavors".
func LoadFlavors(path string) (*Flavors, error) {
	f := &Flavors{File: path, Entries: map[string]map[string]*Entry{}}
	secs, err := parseSections(path, nil)
	if err != nil {
		return nil, err
	}
	for _, s := range secs {
		p := normalize(s.Provider)
		if f.Entries[p] == nil {
			f.Entries[p] = map[string]*Entry{}
		}
		f.Entries[p][s.Name] = &Entry{Provider: p, Name: s.Name, Values: s.JSON, File: path, Line: s.Line, KeyLines: s.KeyLines}
	}
	return f, nil
}

// Resolve returns the flavors of a provider: the plugin's, then the
// file's (which win by name).
func (f *Flavors) Resolve(prov string, info *provider.Info) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, fl := range info.Flavors {
		raw, _ := json.Marshal(fl.Values)
		out[fl.Name] = raw
	}
	for name, e := range f.Entries[normalize(prov)] {
		out[name] = e.Values
	}
	return out
}

// Validate checks each flavor of the file against its provider's spec
// schema.
func (f *Flavors) Validate(infos map[string]*provider.Info) Problems {
	var probs Problems
	for _, prov := range sortedKeys(f.Entries) {
		info, ok := infos[prov]
		for _, name := range sortedKeys(f.Entries[prov]) {
			e := f.Entries[prov][name]
			if !ok {
				probs = append(probs, Problem{File: e.File, Line: e.Line, Provider: prov, Entry: name, Message: "no plugin for this provider is installed; the flavor is not used", Warning: true})
				continue
			}
			probs = append(probs, fromDiags(e.File, e.Line, prov, name, "flavor", e.KeyLines, info.SpecSchema.Validate(e.Values, "flavor"))...)
		}
	}
	return probs
}
