package providertest

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providerplugin"
)

var semver = regexp.MustCompile(`^v?\d+\.\d+\.\d+([-+].*)?$`)

func checkInfo(t *testing.T, info *provider.Info) {
	if info.Name == "" {
		t.Error("GetInfo: empty name")
	}
	if !semver.MatchString(info.Version) {
		t.Errorf("GetInfo: version %q is not semantic (want like 1.2.3)", info.Version)
	}
	if info.ProtocolVersion != providerplugin.ProtocolVersion {
		t.Errorf("GetInfo: protocol %d, want %d", info.ProtocolVersion, providerplugin.ProtocolVersion)
	}
	for _, s := range []provider.Schema{info.CatalogSchema, info.SpecSchema} {
		for _, a := range s.Attributes {
			if a.Name == "" || a.Type == "" {
				t.Errorf("GetInfo: attribute %+v lacks a name or type", a)
			}
			if a.Description == "" {
				t.Errorf("GetInfo: attribute %q has no description (users see it in GET .../flavors and in errors)", a.Name)
			}
		}
	}
	for _, fl := range info.Flavors {
		raw, _ := json.Marshal(fl.Values)
		if diags := info.SpecSchema.Validate(raw, "flavor."+fl.Name); diags.HasError() {
			t.Errorf("flavor %q does not fit the spec schema: %v", fl.Name, diags)
		}
	}
	for _, k := range info.CredentialKeys {
		if k.Name == "" {
			t.Error("GetInfo: credential key without a name")
		}
	}
}

func validation(t *testing.T, f Fixture) {
	t.Run("valid_catalog", func(t *testing.T) {
		diags, err := call(t, f, "ValidateCatalogEntry", func(ctx context.Context) (provider.Diagnostics, error) {
			return f.Provider.ValidateCatalogEntry(ctx, f.Env.CatalogEntryName, f.Env.CatalogEntry)
		})
		if err != nil || diags.HasError() {
			t.Fatalf("valid catalog entry refused: err=%v diags=%v", err, diags)
		}
	})
	t.Run("valid_spec", func(t *testing.T) {
		diags, err := call(t, f, "ValidateSpec", func(ctx context.Context) (provider.Diagnostics, error) {
			return f.Provider.ValidateSpec(ctx, f.Env, f.Spec)
		})
		if err != nil || diags.HasError() {
			t.Fatalf("valid spec refused: err=%v diags=%v", err, diags)
		}
	})
	for _, b := range f.BadCatalog {
		t.Run("bad_catalog/"+b.Name, func(t *testing.T) {
			diags, err := call(t, f, "ValidateCatalogEntry", func(ctx context.Context) (provider.Diagnostics, error) {
				return f.Provider.ValidateCatalogEntry(ctx, f.Env.CatalogEntryName, b.Doc)
			})
			wantFieldError(t, diags, err, b.WantField)
		})
	}
	for _, b := range f.BadSpec {
		t.Run("bad_spec/"+b.Name, func(t *testing.T) {
			diags, err := call(t, f, "ValidateSpec", func(ctx context.Context) (provider.Diagnostics, error) {
				return f.Provider.ValidateSpec(ctx, f.Env, b.Doc)
			})
			wantFieldError(t, diags, err, b.WantField)
		})
	}
	t.Run("codes_known", func(t *testing.T) {
		for _, b := range append(append([]Bad{}, f.BadCatalog...), f.BadSpec...) {
			diags, _ := f.Provider.ValidateSpec(context.Background(), f.Env, b.Doc)
			for _, d := range diags {
				if !provider.KnownCode(d.Code) {
					t.Errorf("diagnostic %q has code %q, not one of provider.Codes() %v", d, d.Code, provider.Codes())
				}
			}
		}
	})
}

func wantFieldError(t *testing.T, diags provider.Diagnostics, err error, field string) {
	t.Helper()
	if err != nil {
		t.Fatalf("validation failed as a call, want diagnostics: %v", err)
	}
	for _, d := range diags {
		if d.Severity == provider.SeverityError && d.Field == field {
			if d.Summary == "" {
				t.Errorf("diagnostic on %s has no summary", field)
			}
			return
		}
	}
	t.Fatalf("want an error diagnostic on %q, got %v", field, diags)
}
