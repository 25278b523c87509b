package main_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/sdk"
)

// toyKey is the API key of the toy cloud the out-of-tree plugin drives.
const toyKey = "site-demo-key"

// TestOutOfTree does what docs/plugins.md tells a site ("Out of the
// tree"): a plugin made from the skeleton in a directory outside the
// repository, its own module built against this checkout's protocol
// module; `go build`; `vcc-host plugins install --path`; `plugins list`;
// the conformance suite on the installed binary; a unit created and
// deleted through a running vcc-host, checked in the cloud.
func TestOutOfTree(t *testing.T) {
	requireMake(t)
	root := testenv.RepoRoot(t)
	dir := filepath.Join(t.TempDir(), "vcc-provider-mycloud")
	// Outside any workspace, as on a site's machine.
	env := []string{"GOWORK=off"}
	mustRun(t, root, env, "make", "new-plugin", "NAME=mycloud", "DIR="+dir, "MODULE=example.org/site/vcc-provider-mycloud")
	mustRun(t, dir, env, "go", "build", "-o", "vcc-provider-mycloud", ".")
	mustRun(t, dir, env, "go", "build", "-o", "vcc-toycloud", "./toycloud/cmd/toycloud")
	cloud := startToyCloud(t, filepath.Join(dir, "vcc-toycloud"))

	plugins := t.TempDir()
	out, stderr, code := testenv.RunHost(t, "plugins", "install", "--path", filepath.Join(dir, "vcc-provider-mycloud"), "--dir", plugins)
	if code != 0 || !strings.Contains(out, `installed provider "mycloud"`) {
		t.Fatalf("plugins install: exit %d\n%s%s", code, out, stderr)
	}
	if list, _, _ := testenv.RunHost(t, "plugins", "list", "--plugin-dir", plugins); !regexp.MustCompile(`(?m)^mycloud\s+0\.1\.0\s+1\s+running\s+yes\s`).MatchString(list) {
		t.Fatalf("plugins list does not show mycloud running and pinned:\n%s", list)
	}
	bin := filepath.Join(plugins, "vcc-provider-mycloud")
	t.Run("conformance", func(t *testing.T) { providertest.Run(t, siteFixture(providertest.Launch(t, bin), cloud)) })

	catalog := fmt.Sprintf("mycloud:\n  default:\n    mycloud_endpoint_url: %s\n    mycloud_network_id: net-default\n    private_network_ipmask: 10.20.0.0/24\n", cloud)
	// The toy cloud's servers run no Base container, so no agent joins:
	// liveness off makes a node RUNNING when its server runs.
	h := testenv.StartHostIn(t, map[string]string{"vpn_catalog.yml": catalog}, plugins, "--serf-listen", "off", "--reconcile-interval", "0")
	c, cl := ctx(t), h.Client
	if err := cl.PutCredential(c, "mycloud", "api_key", toyKey); err != nil {
		t.Fatal(err)
	}
	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "site", "compute"))
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "web", Provider: "mycloud", Flavor: "medium",
		Spec: map[string]any{"num_nodes": 2}}))
	u := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "web"))
	if diff := cmp.Diff(map[string]int{"RUNNING": 2}, states(u)); diff != "" {
		t.Fatalf("unit after create (-want +got):\n%s", diff)
	}
	servers := toyServers(t, cloud, h.ControllerID)
	if len(servers) != 2 {
		t.Fatalf("the cloud holds %d servers of the controller, want 2", len(servers))
	}
	for _, n := range u.Nodes {
		s, ok := servers[n.CloudInstanceID]
		if !ok || s.Tags[provider.TagNodeID] != n.NodeID || s.Size != "medium" || s.Address != n.CloudInstanceAddress ||
			!strings.Contains(s.UserData, "vcc-base-"+n.NodeID) {
			t.Errorf("node %d (%s): server %+v", n.NodeNo, n.CloudInstanceID, s)
		}
	}
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	if left := toyServers(t, cloud, h.ControllerID); len(left) != 0 {
		t.Errorf("after cleanup the cloud still holds %v", left)
	}
}

// siteFixture is the conformance fixture of the out-of-tree plugin.
func siteFixture(p provider.Provider, cloud string) providertest.Fixture {
	entry := fmt.Sprintf(`{"mycloud_endpoint_url": %q, "mycloud_network_id": "net-default"}`, cloud)
	return providertest.Fixture{
		Provider: p,
		Env: provider.CallEnv{ControllerID: providertest.NewNodeID(), CatalogEntryName: "default",
			CatalogEntry: json.RawMessage(entry), Credentials: provider.Credentials{"api_key": toyKey}},
		Spec: json.RawMessage(`{"num_nodes": 1, "instance_type": "small"}`),
		BadCatalog: []providertest.Bad{
			{Name: "no_network", Doc: json.RawMessage(`{"mycloud_endpoint_url": "https://x"}`), WantField: "catalog.mycloud_network_id"},
		},
		BadSpec: []providertest.Bad{
			{Name: "unknown_size", Doc: json.RawMessage(`{"instance_type": "huge"}`), WantField: "spec.instance_type"},
		},
		Timeout: 30 * time.Second,
	}
}

// startToyCloud runs the toy cloud binary and returns its URL.
func startToyCloud(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "-listen", "127.0.0.1:0", "-api-key", toyKey, "-boot-delay", "300ms", "-delete-delay", "300ms")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "toycloud listening on ")
	if err != nil || !ok {
		t.Fatalf("toycloud said %q (%v), want its URL", line, err)
	}
	return url
}

type toyServer struct {
	ID       string            `json:"id"`
	Size     string            `json:"size"`
	Address  string            `json:"address"`
	UserData string            `json:"user_data"`
	Tags     map[string]string `json:"tags"`
}

// toyServers asks the toy cloud's API for the controller's servers.
func toyServers(t *testing.T, cloud, controllerID string) map[string]toyServer {
	t.Helper()
	query := url.Values{"tag": {provider.TagControllerID + "=" + controllerID}}
	req, _ := http.NewRequest(http.MethodGet, cloud+"/v1/servers?"+query.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+toyKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer closeBody(resp)
	var body struct{ Servers []toyServer }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/servers: %d, %v", resp.StatusCode, err)
	}
	out := map[string]toyServer{}
	for _, s := range body.Servers {
		out[s.ID] = s
	}
	return out
}
