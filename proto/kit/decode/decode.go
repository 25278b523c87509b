// Package decode reads a catalog entry or a unit spec into a typed struct
// in one way for every plugin: the schema check (unknown keys, types,
// required keys), the schema's defaults, JSON decoding, then the checks of
// the kit's common fields and of the struct itself. Every problem is a
// diagnostic on its field path.
package decode

import (
	"encoding/json"
	"reflect"

	"github.com/vccproject/vcc/proto/provider"
)

// Checker is a decoded value that checks itself beyond its schema (ranges,
// formats, combinations). prefix is the path of the document ("spec",
// "catalog"); diagnostics name fields under it.
type Checker interface {
	Check(prefix string) provider.Diagnostics
}

// CommonChecker is a struct of common fields (package fields) that a
// plugin's struct embeds: decode runs its checks for every plugin, so a
// plugin cannot forget them by declaring its own Check.
type CommonChecker interface {
	CheckCommon(prefix string) provider.Diagnostics
}

// Into validates doc against schema, applies the schema's defaults,
// decodes it into dst (a pointer to a struct), then runs the CheckCommon
// of every struct dst embeds and dst's own Check. It stops after the
// schema check when that fails, so checks only see well-typed values.
func Into(schema provider.Schema, doc json.RawMessage, prefix string, dst any) provider.Diagnostics {
	diags, _ := into(schema, doc, prefix, dst)
	return diags
}

// into is Into that also tells whether dst was decoded (the schema
// check passed), so callers know whether further checks make sense.
func into(schema provider.Schema, doc json.RawMessage, prefix string, dst any) (provider.Diagnostics, bool) {
	diags := schema.Validate(doc, prefix)
	if diags.HasError() {
		return diags, false
	}
	withDefaults, err := schema.WithDefaults(doc)
	if err != nil {
		return append(diags, provider.Invalid("%v", err).On(prefix)), false
	}
	if err := json.Unmarshal(withDefaults, dst); err != nil {
		return append(diags, provider.Invalid("cannot be decoded: %v", err).On(prefix)), false
	}
	diags = append(diags, common(dst, prefix)...)
	if c, ok := dst.(Checker); ok {
		diags = append(diags, c.Check(prefix)...)
	}
	return diags, true
}

// common runs CheckCommon of every embedded struct that has it.
func common(dst any, prefix string) provider.Diagnostics {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	var diags provider.Diagnostics
	elem := v.Elem()
	for i := 0; i < elem.NumField(); i++ {
		f := elem.Type().Field(i)
		if !f.Anonymous || !f.IsExported() || f.Type.Kind() != reflect.Struct {
			continue
		}
		if c, ok := elem.Field(i).Addr().Interface().(CommonChecker); ok {
			diags = append(diags, c.CheckCommon(prefix)...)
		}
	}
	return diags
}

// Must is Into for a document the host has validated already (a call's
// catalog entry and spec): it returns the diagnostics as an error.
func Must(schema provider.Schema, doc json.RawMessage, prefix string, dst any) error {
	return Into(schema, doc, prefix, dst).Err()
}
