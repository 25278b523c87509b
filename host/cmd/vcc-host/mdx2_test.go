package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/sdk"
)

// TestMDX2SitePlugin does what a site does to make its own OpenStack
// plugin (plugins/openstack/README.md, "Your own OpenStack plugin"):
// the mdx2 example copied outside the repository as a module of its own,
// built against this checkout's protocol and openstack modules, its own
// tests passing, installed with `vcc-host plugins install`; the
// conformance suite passes on the installed binary, and a unit runs through a running vcc-host against
// the emulator, each node on a port of its own with the catalog's
// security group, on the network named in the catalog. Nothing of host/
// knows mdx2.
func TestMDX2SitePlugin(t *testing.T) {
	root := testenv.RepoRoot(t)
	dir := filepath.Join(t.TempDir(), "vcc-provider-mdx2")
	copyDir(t, filepath.Join(root, "plugins/openstack/examples/mdx2"), dir)
	env := []string{"GOWORK=off", "CGO_ENABLED=0"}
	mustRun(t, dir, env, "go", "mod", "edit",
		"-replace", "github.com/vccproject/vcc/proto="+filepath.Join(root, "proto"),
		"-replace", "github.com/vccproject/vcc/plugins/openstack="+filepath.Join(root, "plugins/openstack"))
	mustRun(t, dir, env, "go", "build", "-o", "vcc-provider-mdx2", ".")
	// The site's own test: the conformance suite in-process on osemu.
	mustRun(t, dir, env, "go", "test", "-count=1", "./...")

	plugins := t.TempDir()
	out, stderr, code := testenv.RunHost(t, "plugins", "install", "--path", filepath.Join(dir, "vcc-provider-mdx2"), "--dir", plugins)
	if code != 0 || !strings.Contains(out, `installed provider "mdx2"`) {
		t.Fatalf("plugins install: exit %d\n%s%s", code, out, stderr)
	}
	if list, _, _ := testenv.RunHost(t, "plugins", "list", "--plugin-dir", plugins); !regexp.MustCompile(`(?m)^mdx2\s+0\.1\.0\s+1\s+running\s+yes\s`).MatchString(list) {
		t.Fatalf("plugins list does not show mdx2 running and pinned:\n%s", list)
	}
	emu := testenv.StartOSEmu(t, "-boot-delay", "200ms")
	bin := filepath.Join(plugins, "vcc-provider-mdx2")
	t.Run("conformance", func(t *testing.T) { providertest.Run(t, mdx2Fixture(providertest.Launch(t, bin), emu)) })

	entry := "mdx2:\n  default:\n    auth_url: " + emu.AuthURL() + "\n    tenant_name: " + testenv.OSProject + "\n    network_name: " + testenv.OSNetworkName +
		"\n    security_group: " + testenv.OSSecGroupName + "\n    domain_id: default\n    private_network_ipmask: " + testenv.OSSubnetCIDR +
		"\n    default_image: " + testenv.OSImageName + "\n    flavors: {small: m1.small, medium: m1.medium, large: m1.large}\n"
	h := testenv.StartHostIn(t, map[string]string{"vpn_catalog.yml": entry}, plugins, "--serf-listen", "off", "--reconcile-interval", "0")
	c, cl := ctx(t), h.Client
	for k, v := range openstackKey {
		if err := cl.PutCredential(c, "mdx2", k, v); err != nil {
			t.Fatal(err)
		}
	}
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "mdx", ""))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "web", Provider: "mdx2", Flavor: "large",
		Spec: map[string]any{"ip_addresses": []string{"10.56.0.21", "10.56.0.22"}}}))
	u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	if diff := cmp.Diff(map[string]int{"RUNNING": 2}, states(u)); diff != "" {
		t.Fatalf("unit after create (-want +got):\n%s", diff)
	}
	openstackMatches(t, emu, h.ControllerID, "m1.large", u)
	for _, p := range emu.State(t).Ports {
		if p.NetworkID != testenv.OSNetworkID || len(p.SecurityGroups) != 1 || !slices.Contains(p.Tags, "vcc.controller_id="+h.ControllerID) {
			t.Errorf("port %+v: want the named network, the catalog's group and the controller's tag", p)
		}
	}
	_, err := cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "taken", Provider: "mdx2", Spec: map[string]any{"ip_addresses": []string{"10.56.0.21"}}})
	apiErr(t, err, 400, "spec.ip_addresses", "is taken by port")

	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	waitFor(t, 10*time.Second, func() bool { st := emu.State(t); return len(st.Servers)+len(st.Ports) == 0 }, "the cloud to hold nothing")
}

// mdx2Fixture is the conformance fixture of the site plugin.
func mdx2Fixture(p provider.Provider, emu *testenv.OSEmu) providertest.Fixture {
	entry, _ := json.Marshal(map[string]any{"auth_url": emu.AuthURL(), "tenant_name": testenv.OSProject, "network_name": testenv.OSNetworkName,
		"security_group": testenv.OSSecGroupName, "private_network_ipmask": testenv.OSSubnetCIDR, "default_image": testenv.OSImageName})
	return providertest.Fixture{
		Provider: p,
		Env: provider.CallEnv{ControllerID: providertest.NewNodeID(), CatalogEntryName: "default", CatalogEntry: entry,
			Credentials: provider.Credentials{"application_credential_id": testenv.OSAppCredID, "application_credential_secret": testenv.OSAppSecret}},
		Spec:    json.RawMessage(`{"num_nodes": 1, "flavor_name": "m1.small"}`),
		FixedIP: "10.56.0.99",
		BadCatalog: []providertest.Bad{
			{Name: "no_network_name", Doc: json.RawMessage(`{"auth_url": "https://k/v3", "tenant_name": "t", "security_group": "g"}`), WantField: "catalog.network_name"},
			{Name: "network_uuid", Doc: json.RawMessage(`{"auth_url": "https://k/v3", "tenant_name": "t", "security_group": "g", "network_name": "n", "network_uuid": "x"}`), WantField: "catalog.network_uuid"},
		},
		BadSpec: []providertest.Bad{
			{Name: "volume_size", Doc: json.RawMessage(`{"volume_size": -1}`), WantField: "spec.volume_size"},
		},
		Timeout: 30 * time.Second,
	}
}

// copyDir copies a directory of regular files (a plugin's sources).
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), raw, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
