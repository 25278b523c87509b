package decode

import (
	"context"
	"encoding/json"

	"github.com/vccproject/vcc/proto/kit/fields"
	"github.com/vccproject/vcc/proto/provider"
)

// Docs reads a plugin's two documents, its catalog entry into a C and its
// spec into an S (structs that embed fields.Network and fields.Spec), and
// gives the plugin ValidateCatalogEntry and ValidateSpec by embedding:
//
//	type Provider struct {
//		decode.Docs[catalog, spec]
//		...
//	}
type Docs[C, S any] struct {
	CatalogSchema provider.Schema
	SpecSchema    provider.Schema
	// Against, when set, checks a spec against its catalog entry beyond
	// the fixed IPs (which Docs checks against the network itself), e.g.
	// a "default" image that needs a catalog key.
	Against func(c *C, s *S) provider.Diagnostics
}

// Catalog decodes and checks a catalog entry.
func (d Docs[C, S]) Catalog(raw json.RawMessage) (*C, provider.Diagnostics) {
	c := new(C)
	return c, Into(d.CatalogSchema, raw, "catalog", c)
}

// Spec decodes and checks a spec against its catalog entry: the spec's
// own checks, its fixed IPs inside the entry's network, and Against.
func (d Docs[C, S]) Spec(c *C, raw json.RawMessage) (*S, provider.Diagnostics) {
	s := new(S)
	diags, ok := into(d.SpecSchema, raw, "spec", s)
	if !ok {
		return s, diags
	}
	n, okN := any(c).(interface{ NetworkFields() *fields.Network })
	sp, okS := any(s).(interface{ SpecFields() *fields.Spec })
	if okN && okS {
		diags = append(diags, sp.SpecFields().CheckFixedIPs(n.NetworkFields(), "spec")...)
	}
	if d.Against != nil {
		diags = append(diags, d.Against(c, s)...)
	}
	return s, diags
}

// Call decodes a call's catalog entry and spec, refusing either with a
// diagnostics error (the host validated both already, so this fails only
// when the catalog changed under a running unit).
func (d Docs[C, S]) Call(env provider.CallEnv, raw json.RawMessage) (*C, *S, error) {
	c, diags := d.Catalog(env.CatalogEntry)
	if err := diags.Err(); err != nil {
		return c, nil, err
	}
	s, diags := d.Spec(c, raw)
	return c, s, diags.Err()
}

// ValidateCatalogEntry implements provider.Provider's.
func (d Docs[C, S]) ValidateCatalogEntry(_ context.Context, _ string, entry json.RawMessage) (provider.Diagnostics, error) {
	_, diags := d.Catalog(entry)
	return diags, nil
}

// ValidateSpec implements provider.Provider's: a spec is checked against
// the call's catalog entry, which must be valid itself.
func (d Docs[C, S]) ValidateSpec(_ context.Context, env provider.CallEnv, raw json.RawMessage) (provider.Diagnostics, error) {
	c, diags := d.Catalog(env.CatalogEntry)
	if diags.HasError() {
		return diags, nil
	}
	_, sdiags := d.Spec(c, raw)
	return append(diags, sdiags...), nil
}
