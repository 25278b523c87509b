package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// AttrType is the JSON shape of one attribute.
type AttrType string

const (
	TypeString     AttrType = "string"
	TypeInt        AttrType = "int"
	TypeNumber     AttrType = "number"
	TypeBool       AttrType = "bool"
	TypeStringList AttrType = "list(string)"
	TypeStringMap  AttrType = "map(string)"
)

// Attribute describes one key of a catalog entry or spec.
type Attribute struct {
	Name        string
	Type        AttrType
	Required    bool
	Description string
	// Default is used when the key is absent; nil for none.
	Default any
	// AllowedValues restricts a string to these values when non-empty.
	AllowedValues []string
	Sensitive     bool
}

// Schema is the set of keys a JSON object may hold.
type Schema struct {
	Attributes []Attribute
}

// Lookup finds an attribute by name.
func (s Schema) Lookup(name string) (Attribute, bool) {
	for _, a := range s.Attributes {
		if a.Name == name {
			return a, true
		}
	}
	return Attribute{}, false
}

// Merge returns s with the attributes of other appended; other wins on a
// name clash, so a provider can refine a common attribute.
func (s Schema) Merge(other Schema) Schema {
	out := Schema{}
	for _, a := range s.Attributes {
		if _, clash := other.Lookup(a.Name); !clash {
			out.Attributes = append(out.Attributes, a)
		}
	}
	out.Attributes = append(out.Attributes, other.Attributes...)
	return out
}

// Validate checks doc against the schema: it must be a JSON object, hold no
// unknown keys, every required key, and values of the declared types. Field
// paths in the diagnostics are prefixed with prefix (e.g. "spec").
func (s Schema) Validate(doc json.RawMessage, prefix string) Diagnostics {
	diags := s.validate(doc, prefix)
	for i := range diags {
		diags[i].Code = CodeInvalid
	}
	return diags
}

func (s Schema) validate(doc json.RawMessage, prefix string) Diagnostics {
	obj, diag := decodeObject(doc, prefix)
	if diag != nil {
		return Diagnostics{*diag}
	}
	var diags Diagnostics
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a, ok := s.Lookup(k)
		if !ok {
			d := Errorf(join(prefix, k), "unknown field %q", k)
			d.Detail = s.suggest(k)
			diags = append(diags, d)
			continue
		}
		if isNull(obj[k]) {
			continue
		}
		if d := a.check(obj[k], join(prefix, k)); d != nil {
			diags = append(diags, *d)
		}
	}
	for _, a := range s.Attributes {
		if v, ok := obj[a.Name]; a.Required && (!ok || isNull(v)) {
			d := Errorf(join(prefix, a.Name), "required field %q is missing", a.Name)
			d.Detail = a.describe()
			diags = append(diags, d)
		}
	}
	return diags
}

// WithDefaults returns doc with the default of every absent attribute set.
func (s Schema) WithDefaults(doc json.RawMessage) (json.RawMessage, error) {
	obj := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(doc)) > 0 {
		if err := json.Unmarshal(doc, &obj); err != nil {
			return nil, fmt.Errorf("decode object: %w", err)
		}
	}
	for _, a := range s.Attributes {
		if v, ok := obj[a.Name]; (ok && !isNull(v)) || a.Default == nil {
			continue
		}
		raw, err := json.Marshal(a.Default)
		if err != nil {
			return nil, fmt.Errorf("encode default of %q: %w", a.Name, err)
		}
		obj[a.Name] = raw
	}
	return json.Marshal(obj)
}

func decodeObject(doc json.RawMessage, prefix string) (map[string]json.RawMessage, *Diagnostic) {
	obj := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(doc)) == 0 || isNull(doc) {
		return obj, nil
	}
	if err := json.Unmarshal(doc, &obj); err != nil || obj == nil {
		d := Errorf(prefix, "must be a JSON object")
		if err != nil {
			d.Detail = err.Error()
		}
		return nil, &d
	}
	return obj, nil
}

func (a Attribute) check(v json.RawMessage, field string) *Diagnostic {
	bad := func() *Diagnostic {
		d := Errorf(field, "must be %s, got %s", article(a.Type), jsonKind(v))
		d.Detail = a.describe()
		return &d
	}
	switch a.Type {
	case TypeString:
		var s string
		if json.Unmarshal(v, &s) != nil {
			return bad()
		}
		if len(a.AllowedValues) > 0 && !contains(a.AllowedValues, s) {
			d := Errorf(field, "%q is not allowed", s)
			d.Detail = "allowed values: " + strings.Join(a.AllowedValues, ", ")
			return &d
		}
	case TypeInt:
		return a.checkInt(v, field, bad)
	case TypeNumber:
		var f float64
		if json.Unmarshal(v, &f) != nil {
			return bad()
		}
	case TypeBool:
		var b bool
		if json.Unmarshal(v, &b) != nil {
			return bad()
		}
	case TypeStringList:
		var l []json.RawMessage
		if json.Unmarshal(v, &l) != nil {
			return bad()
		}
		for i, e := range l {
			var s string
			if json.Unmarshal(e, &s) != nil {
				d := Errorf(fmt.Sprintf("%s[%d]", field, i), "must be a string, got %s", jsonKind(e))
				return &d
			}
		}
	case TypeStringMap:
		var m map[string]json.RawMessage
		if json.Unmarshal(v, &m) != nil || m == nil {
			return bad()
		}
		for k, e := range m {
			var s string
			if json.Unmarshal(e, &s) != nil {
				d := Errorf(field+"."+k, "must be a string, got %s", jsonKind(e))
				return &d
			}
		}
	}
	return nil
}

// checkInt accepts exactly what a Go int64 (and so every plugin's int
// field) can hold: a number that does not fit is refused here, naming
// the range, instead of being rounded or dropped by a later decode.
func (a Attribute) checkInt(v json.RawMessage, field string, bad func() *Diagnostic) *Diagnostic {
	var n int64
	if json.Unmarshal(v, &n) == nil {
		return nil
	}
	if !outOfRange(v) {
		return bad() // not a number, a fraction, or an integer written as 2.0 or 1e2
	}
	d := Errorf(field, "must be an integer from %d to %d, got %s", int64(math.MinInt64), int64(math.MaxInt64), jsonKind(v))
	d.Detail = a.describe()
	return &d
}

// outOfRange reports whether v is a whole number beyond int64: integer
// digits that did not fit, or a float of that size (1e19, 1e400).
func outOfRange(v json.RawMessage) bool {
	var f float64
	err := json.Unmarshal(v, &f)
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) && strings.HasPrefix(ute.Value, "number") {
		return true // too large even for a float64
	}
	if err != nil || f != math.Trunc(f) {
		return false
	}
	digits := !bytes.ContainsAny(bytes.TrimSpace(v), ".eE")
	return digits || math.Abs(f) >= math.Exp2(63)
}

func (a Attribute) describe() string {
	s := string(a.Type)
	if a.Description != "" {
		s += ": " + a.Description
	}
	return s
}

// suggest names the closest known key, or lists them all.
func (s Schema) suggest(unknown string) string {
	best, bestDist := "", 4
	names := make([]string, 0, len(s.Attributes))
	for _, a := range s.Attributes {
		names = append(names, a.Name)
		if d := editDistance(strings.ToLower(unknown), strings.ToLower(a.Name)); d < bestDist {
			best, bestDist = a.Name, d
		}
	}
	if best != "" {
		return fmt.Sprintf("did you mean %q?", best)
	}
	sort.Strings(names)
	return "known fields: " + strings.Join(names, ", ")
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

func jsonKind(v json.RawMessage) string {
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return "a bool"
	case 'n':
		return "null"
	}
	return "a number (" + string(t) + ")"
}

func article(t AttrType) string {
	switch t {
	case TypeInt:
		return "an integer"
	case TypeStringList:
		return "a list of strings"
	case TypeStringMap:
		return "a map of strings"
	}
	return "a " + string(t)
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}
