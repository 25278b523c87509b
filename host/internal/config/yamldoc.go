// Package config loads the controller's YAML configuration
// (vpn_catalog.yml, vcp_flavor.yml) keeping every key's line, so that a
// problem found later — by a plugin's schema, say — still names
// file:line, provider, entry and key.
package config

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Problem is one finding in a config file.
type Problem struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Provider string `json:"provider,omitempty"`
	Entry    string `json:"entry,omitempty"`
	Key      string `json:"key,omitempty"`
	Message  string `json:"message"`
	Warning  bool   `json:"warning,omitempty"`
}

// String is "file:line: provider.entry.key: message"; the names come
// from the file, so they are shown as names or short excerpts only.
func (p Problem) String() string {
	var parts []string
	for _, s := range []string{p.Provider, p.Entry, p.Key} {
		if s != "" {
			parts = append(parts, name(s))
		}
	}
	where := strings.Join(parts, ".")
	at := p.File
	if p.Line > 0 {
		at += ":" + strconv.Itoa(p.Line)
	}
	kind := ""
	if p.Warning {
		kind = "warning: "
	}
	if where == "" {
		return fmt.Sprintf("%s: %s%s", at, kind, p.Message)
	}
	return fmt.Sprintf("%s: %s%s: %s", at, kind, where, p.Message)
}

// Problems is a list of findings that is also an error.
type Problems []Problem

func (ps Problems) Error() string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += "\n"
		}
		s += p.String()
	}
	return s
}

// Errors returns only the problems that are not warnings.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// section is one provider → name → mapping block (catalog entry or
// flavor) with the lines of its keys.
type section struct {
	Provider string
	Name     string
	Line     int
	KeyLines map[string]int
	JSON     json.RawMessage
}

// parseSections reads a YAML file shaped `provider: {name: {key: value}}`,
// skipping the top-level keys in skip. A missing file gives (nil, nil).
func parseSections(path string, skip map[string]*string) ([]section, error) {
	raw, err := readFile(path)
	if raw == nil || err != nil {
		return nil, err
	}
	return parseSectionsBytes(path, raw, skip)
}

// topMapping parses a YAML document whose top is a mapping; nil, nil for
// an empty document. shape describes the expected mapping for the error.
func topMapping(path string, raw []byte, shape string) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		line := yamlErrLine(err)
		return nil, Problems{{File: path, Line: line, Message: syntaxMessage(raw, line, err)}}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, Problems{{File: path, Line: top.Line, Message: "must be a mapping of " + shape}}
	}
	return top, nil
}

func parseSectionsBytes(path string, raw []byte, skip map[string]*string) ([]section, error) {
	top, err := topMapping(path, raw, "provider: {name: {key: value}}")
	if top == nil {
		return nil, err
	}
	var out []section
	var probs Problems
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if dst, ok := skip[k.Value]; ok {
			if dst != nil {
				*dst = v.Value
			}
			continue
		}
		if v.Kind != yaml.MappingNode {
			probs = append(probs, Problem{File: path, Line: v.Line, Provider: k.Value, Message: "must be a mapping of entry names to settings"})
			continue
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			nk, nv := v.Content[j], v.Content[j+1]
			if len(out) == MaxEntries {
				return nil, Problems{{File: path, Line: nk.Line, Provider: k.Value, Entry: nk.Value,
					Message: fmt.Sprintf("more than %d entries in one file, the most allowed (each is checked by its plugin at every load): remove the entries no unit uses", MaxEntries)}}
			}
			s := section{Provider: k.Value, Name: nk.Value, Line: nk.Line, KeyLines: map[string]int{}}
			if nv.Kind == yaml.ScalarNode && nv.Tag == "!!null" {
				s.JSON = json.RawMessage(`{}`)
				out = append(out, s)
				continue
			}
			if nv.Kind != yaml.MappingNode {
				probs = append(probs, Problem{File: path, Line: nv.Line, Provider: k.Value, Entry: nk.Value, Message: "must be a mapping of keys to values"})
				continue
			}
			var val map[string]any
			if err := nv.Decode(&val); err != nil {
				probs = append(probs, Problem{File: path, Line: nv.Line, Provider: k.Value, Entry: nk.Value, Message: clip(err.Error())})
				continue
			}
			for m := 0; m+1 < len(nv.Content); m += 2 {
				s.KeyLines[nv.Content[m].Value] = nv.Content[m].Line
			}
			raw, err := json.Marshal(val)
			if err != nil {
				probs = append(probs, Problem{File: path, Line: nv.Line, Provider: k.Value, Entry: nk.Value, Message: err.Error()})
				continue
			}
			s.JSON = raw
			out = append(out, s)
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return out, nil
}

// syntaxMessage is the parser's message, preceded by the likely cause
// when the parser does not say it: a tab (YAML indents with spaces only;
// yaml.v3 says "found character that cannot start any token").
func syntaxMessage(raw []byte, line int, err error) string {
	msg := clip(err.Error())
	lines := strings.Split(string(raw), "\n")
	for _, l := range []int{line, line - 1} {
		if l < 1 || l > len(lines) {
			continue
		}
		if col := strings.IndexByte(lines[l-1], '\t'); col >= 0 {
			return fmt.Sprintf("a tab at line %d, column %d: YAML indents with spaces only; replace the tab with spaces (%s)", l, col+1, msg)
		}
	}
	return msg
}

// yamlErrLine digs the line out of a yaml.v3 syntax error ("yaml: line 3: ...").
func yamlErrLine(err error) int {
	var line int
	if _, scanErr := fmt.Sscanf(err.Error(), "yaml: line %d:", &line); scanErr == nil {
		return line
	}
	return 0
}
