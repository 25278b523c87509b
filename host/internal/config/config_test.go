package config_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vccproject/vcc/host/internal/config"
	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.Cleanup()
	os.Exit(code)
}

func plugins(t *testing.T) *pluginmgr.Manager {
	m := pluginmgr.New(pluginmgr.Config{Dirs: []string{testenv.PluginDir(t, true, map[string]string{"vcc-provider-sim": testenv.Sim(t)})}})
	m.Start(context.Background())
	t.Cleanup(m.Close)
	return m
}

func write(t *testing.T, body string) string {
	path := filepath.Join(t.TempDir(), "vpn_catalog.yml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCatalogProblems(t *testing.T) {
	m := plugins(t)
	cases := map[string]struct {
		body string
		want config.Problems // File is filled in
	}{
		"valid": {body: "cci_version: '1.0'\nsim:\n  default:\n    latency_ms: 5\n  empty:\n"},
		"wrong_type": {
			body: "sim:\n  default:\n    capacity: 3\n    latency_ms: slow\n",
			want: config.Problems{{Line: 4, Provider: "sim", Entry: "default", Key: "latency_ms", Message: "must be an integer, got a string (int: delay of every cloud call, in milliseconds)"}},
		},
		"unknown_key": {
			body: "sim:\n  tokyo:\n    latncy_ms: 5\n",
			want: config.Problems{{Line: 3, Provider: "sim", Entry: "tokyo", Key: "latncy_ms", Message: `unknown field "latncy_ms" (did you mean "latency_ms"?)`}},
		},
		"semantic": {
			body: "sim:\n  default:\n    failure_rate: 2\n",
			want: config.Problems{{Line: 3, Provider: "sim", Entry: "default", Key: "failure_rate", Message: "must be between 0 and 1, got 2"}},
		},
		"no_plugin": {
			body: "azure:\n  default:\n    azure_location: japaneast\n",
			want: config.Problems{{Line: 2, Provider: "azure", Entry: "default", Message: "no plugin for this provider is installed; the entry is not used", Warning: true}},
		},
		"typo_of_installed": {
			body: "smi:\n  default: {}\n",
			want: config.Problems{{Line: 2, Provider: "smi", Entry: "default", Message: `no plugin for this provider is installed (did you mean "sim"? installed: sim)`}},
		},
		"bad_version": {
			body: "cci_version: '9'\nsim:\n  default: {}\n",
			want: config.Problems{{Line: 1, Key: "cci_version", Message: `"9" is not a known catalog version (want '1.0')`, Warning: true}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := write(t, tc.body)
			c, err := config.LoadCatalog(path)
			if err != nil {
				t.Fatal(err)
			}
			got := c.Validate(context.Background(), m)
			for i := range tc.want {
				tc.want[i].File = path
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCatalogSyntax(t *testing.T) {
	cases := map[string]struct {
		body, want string
	}{
		"yaml_error":    {"sim:\n  default: {}\n  x: 'open\n", ":3: yaml: line 3: found unexpected end of stream"},
		"tab":           {"sim:\n  default:\n\t- x\n", ":3: a tab at line 3, column 1: YAML indents with spaces only; replace the tab with spaces (yaml: line 3: found character that cannot start any token)"},
		"not_mapping":   {"- sim\n", ":1: must be a mapping of provider: {name: {key: value}}"},
		"entry_not_map": {"sim:\n  default: 5\n", ":2: sim.default: must be a mapping of keys to values"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := write(t, tc.body)
			_, err := config.LoadCatalog(path)
			if err == nil || err.Error() != path+tc.want {
				t.Fatalf("got %v\nwant %s%s", err, path, tc.want)
			}
		})
	}
}

// TestDefaultCatalog: without a vpn_catalog.yml, every plugin whose empty
// entry is valid (the simulator) gets an entry "default"; one that needs
// settings (aws: a region, a subnet) gets none, and nothing else is made up.
func TestDefaultCatalog(t *testing.T) {
	aws := testenv.AWSPlugins(t)["vcc-provider-aws"]
	m := pluginmgr.New(pluginmgr.Config{Dirs: []string{testenv.PluginDir(t, true, map[string]string{"vcc-provider-sim": testenv.Sim(t), "vcc-provider-aws": aws})}})
	m.Start(context.Background())
	t.Cleanup(m.Close)
	c, err := config.LoadCatalog(filepath.Join(t.TempDir(), "missing.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Default || len(c.Entries) != 0 {
		t.Fatalf("a missing file: %+v, want an empty default catalog", c)
	}
	c.AddDefaults(context.Background(), m, append(m.Names(), "nimbus"))
	got := map[string][]string{}
	for prov := range c.Entries {
		got[prov] = c.Names(prov)
	}
	if diff := cmp.Diff(map[string][]string{"sim": {"default"}}, got); diff != "" {
		t.Errorf("entries (-want +got): %s", diff)
	}
	if probs := c.Validate(context.Background(), m); len(probs) > 0 {
		t.Errorf("the default catalog has problems: %v", probs)
	}
}

func TestFlavors(t *testing.T) {
	m := plugins(t)
	path := filepath.Join(t.TempDir(), "vcp_flavor.yml")
	if err := os.WriteFile(path, []byte("sim:\n  small:\n    instance_type: sim.large\n  huge:\n    instance_type: sim.huge\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := config.LoadFlavors(path)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := m.Provider("sim")
	info, _ := p.GetInfo(context.Background())
	probs := f.Validate(map[string]*provider.Info{"sim": info})
	want := config.Problems{{File: path, Line: 5, Provider: "sim", Entry: "huge", Key: "instance_type", Message: `"sim.huge" is not allowed (allowed values: sim.small, sim.medium, sim.large)`}}
	if diff := cmp.Diff(want, probs); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	resolved := f.Resolve("sim", info)
	if string(resolved["small"]) != `{"instance_type":"sim.large"}` || resolved["medium"] == nil {
		t.Errorf("file flavors must override the plugin's by name and keep the rest: %s", resolved)
	}
}
