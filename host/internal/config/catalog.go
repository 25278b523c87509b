package config

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/vccproject/vcc/proto/provider"
)

// CatalogFile and FlavorFile are the file names in the config dir.
const (
	CatalogFile = "vpn_catalog.yml"
	FlavorFile  = "vcp_flavor.yml"
)

// Entry is one VPN catalog entry.
type Entry struct {
	Provider string          `json:"provider"`
	Name     string          `json:"name"`
	Values   json.RawMessage `json:"values"`
	File     string          `json:"-"`
	Line     int             `json:"-"`
	KeyLines map[string]int  `json:"-"`
}

// Catalog is the parsed vpn_catalog.yml: provider → entry name → entry.
type Catalog struct {
	Version string
	File    string
	Entries map[string]map[string]*Entry
	// Default marks a catalog made without a file (see AddDefaults).
	Default bool
}

// Lookup finds an entry; provider names compare with '-' and '_' equal.
func (c *Catalog) Lookup(prov, name string) (*Entry, bool) {
	e, ok := c.Entries[normalize(prov)][name]
	return e, ok
}

// Names lists the entry names of a provider, sorted.
func (c *Catalog) Names(prov string) []string {
	var out []string
	for n := range c.Entries[normalize(prov)] {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func normalize(name string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
}

// LoadCatalog parses path. A missing or empty file gives an empty
// catalog marked Default, for AddDefaults to fill.
func LoadCatalog(path string) (*Catalog, error) {
	c := &Catalog{File: path, Entries: map[string]map[string]*Entry{}}
	secs, err := parseSections(path, map[string]*string{"cci_version": &c.Version})
	if err != nil {
		return nil, err
	}
	if secs == nil && c.Version == "" {
		c.File, c.Version, c.Default = "(no "+CatalogFile+": a default entry for each plugin that needs no settings)", "1.0", true
	}
	for _, s := range secs {
		p := normalize(s.Provider)
		if c.Entries[p] == nil {
			c.Entries[p] = map[string]*Entry{}
		}
		c.Entries[p][s.Name] = &Entry{Provider: p, Name: s.Name, Values: s.JSON, File: c.File, Line: s.Line, KeyLines: s.KeyLines}
	}
	return c, nil
}

// AddDefaults gives each of the named plugins whose empty catalog entry
// is valid an entry "default" (a simulator or existing servers need no
// network settings), so a controller runs without a vpn_catalog.yml.
func (c *Catalog) AddDefaults(ctx context.Context, plugins Plugins, names []string) {
	for _, name := range names {
		p, err := plugins.Provider(name)
		if err != nil {
			continue
		}
		if diags, err := p.ValidateCatalogEntry(ctx, "default", json.RawMessage(`{}`)); err != nil || diags.HasError() {
			continue
		}
		prov := normalize(name)
		if c.Entries[prov] == nil {
			c.Entries[prov] = map[string]*Entry{}
		}
		c.Entries[prov]["default"] = &Entry{Provider: prov, Name: "default", Values: json.RawMessage(`{}`), File: c.File}
	}
}

// Plugins is what config validation needs from the plugin manager.
type Plugins interface {
	Provider(name string) (provider.Provider, error)
	// Names lists the installed providers, for "did you mean".
	Names() []string
}

// Validate has each entry checked by its provider's plugin. Entries of
// providers with no plugin installed are warnings, not errors: a site's
// catalog may describe clouds it does not use yet. A section whose name is
// a typo of an installed provider's ("smi" for "sim") is an error: its
// entries would silently be unused while the user meant them.
func (c *Catalog) Validate(ctx context.Context, plugins Plugins) Problems {
	var probs Problems
	if c.Version != "" && c.Version != "1.0" {
		probs = append(probs, Problem{File: c.File, Line: 1, Key: "cci_version", Message: fmt.Sprintf("%s is not a known catalog version (want '1.0')", excerpt(c.Version)), Warning: true})
	}
	for _, prov := range sortedKeys(c.Entries) {
		p, err := plugins.Provider(prov)
		for _, name := range sortedKeys(c.Entries[prov]) {
			e := c.Entries[prov][name]
			if err != nil {
				probs = append(probs, notInstalled(e, plugins.Names()))
				continue
			}
			diags, verr := p.ValidateCatalogEntry(ctx, name, e.Values)
			if verr != nil {
				probs = append(probs, Problem{File: e.File, Line: e.Line, Provider: prov, Entry: name, Message: "could not validate: " + verr.Error()})
				continue
			}
			probs = append(probs, fromDiags(e.File, e.Line, prov, name, "catalog", e.KeyLines, diags)...)
		}
	}
	return probs
}

func notInstalled(e *Entry, installed []string) Problem {
	p := Problem{File: e.File, Line: e.Line, Provider: e.Provider, Entry: e.Name}
	if near := closest(e.Provider, installed); near != "" {
		p.Message = fmt.Sprintf("no plugin for this provider is installed (did you mean %q? installed: %s)", near, strings.Join(installed, ", "))
		return p
	}
	p.Message, p.Warning = "no plugin for this provider is installed; the entry is not used", true
	return p
}

// fromDiags places plugin diagnostics (fields like "catalog.key[2]") at
// the line of their key.
func fromDiags(file string, line int, prov, entry, prefix string, keyLines map[string]int, diags provider.Diagnostics) Problems {
	var out Problems
	for _, d := range diags {
		key := strings.TrimPrefix(strings.TrimPrefix(d.Field, prefix), ".")
		l := line
		top, _, _ := strings.Cut(key, ".")
		top, _, _ = strings.Cut(top, "[")
		if kl, ok := keyLines[top]; ok {
			l = kl
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += " (" + d.Detail + ")"
		}
		out = append(out, Problem{File: file, Line: l, Provider: prov, Entry: entry, Key: key, Message: msg, Warning: d.Severity == provider.SeverityWarning})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
