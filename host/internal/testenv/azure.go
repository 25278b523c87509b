package testenv

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"
)

// AzurePlugins builds vcc-provider-azure and vcc-provider-azure-spot.
// They talk HTTPS to Azure Resource Manager; against the emulator
// (StartAzure), the host's environment must trust its CA (SSL_CERT_FILE:
// plugins inherit the host's environment).
func AzurePlugins(t testing.TB) map[string]string {
	return map[string]string{
		"vcc-provider-azure":      build(t, "vcc-provider-azure", "plugins/azure", "./cmd/vcc-provider-azure"),
		"vcc-provider-azure-spot": build(t, "vcc-provider-azure-spot", "plugins/azure", "./cmd/vcc-provider-azure-spot"),
	}
}

// AzureDiskPlugin builds vcc-provider-azure-disk (managed disks).
func AzureDiskPlugin(t testing.TB) string {
	return build(t, "vcc-provider-azure-disk", "plugins/azure", "./cmd/vcc-provider-azure-disk")
}

// Azure is a running ARM emulator (plugins/azure/armemu) with a seeded
// resource group, virtual network, subnet, security group and image.
type Azure struct {
	URL          string `json:"url"`
	CAFile       string `json:"ca_file"`
	Tenant       string `json:"tenant_id"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Subscription string `json:"subscription_id"`
	Location     string `json:"location"`
	Group        string `json:"group"`
	VNet         string `json:"vnet"`
	Subnet       string `json:"subnet"`
	NSG          string `json:"nsg"`
	CIDR         string `json:"cidr"`
	client       *http.Client
}

// StartAzure runs the emulator as a process for the test, its
// long-running operations taking delay; it stops with the test (its
// stdin closes).
func StartAzure(t testing.TB, delay time.Duration, quota int) *Azure {
	t.Helper()
	return startAzure(t, "-delay", delay.String(), "-quota", fmt.Sprint(quota))
}

// StartAzureBooting is StartAzure whose VMs really boot: each is a
// container of serverImage (see providertest/servers) on a Docker network
// of cidr at its NIC's address, with baseImage loaded, running its custom
// data. The machine is reached from the VMs at cidr's first address.
func StartAzureBooting(t testing.TB, delay time.Duration, serverImage, baseImage, cidr string) *Azure {
	t.Helper()
	return startAzure(t, "-delay", delay.String(), "-docker-image", serverImage, "-base-image", baseImage, "-cidr", cidr)
}

func startAzure(t testing.TB, args ...string) *Azure {
	t.Helper()
	bin := build(t, "armemu", "plugins/azure", "./armemu/cmd/armemu")
	cmd := exec.Command(bin, append([]string{"-json", "-listen", "127.0.0.1:0", "-dir", t.TempDir()}, args...)...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadBytes('\n')
	if err != nil {
		t.Fatalf("armemu did not start: %v", err)
	}
	a := &Azure{}
	if err := json.Unmarshal(line, a); err != nil {
		t.Fatalf("armemu printed %q: %v", line, err)
	}
	a.client, err = httpsClient(a.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Catalog is the YAML of a catalog entry on the emulator's network,
// indented under "  NAME:".
func (a *Azure) Catalog() string {
	return fmt.Sprintf("    azure_resource_group_name: %s\n    azure_vnet_name: %s\n    azure_subnet_name: %s\n    azure_security_group_name: %s\n"+
		"    azure_location: %s\n    private_network_ipmask: %s\n    azure_resource_manager_endpoint: %s\n    azure_authority_host: %s/\n",
		a.Group, a.VNet, a.Subnet, a.NSG, a.Location, a.CIDR, a.URL, a.URL)
}

// Credentials are the service principal's keys.
func (a *Azure) Credentials() map[string]string {
	return map[string]string{"subscription_id": a.Subscription, "tenant_id": a.Tenant, "client_id": a.ClientID, "client_secret": a.ClientSecret}
}

// AzureResource is a VM, NIC or disk the emulator holds.
type AzureResource struct {
	Kind  string            `json:"kind"` // vm, nic, disk
	ID    string            `json:"id"`
	Name  string            `json:"name"`
	Tags  map[string]string `json:"tags"`
	State string            `json:"state"` // a VM's: provisioning/power, like succeeded/running; a disk's: Unattached, Attached, Reserved
	IP    string            `json:"ip"`    // a NIC's
	VM    string            `json:"vm"`    // a NIC's or disk's VM
	Zone  string            `json:"zone"`  // a disk's or VM's zone
}

// Resources lists what the emulator holds.
func (a *Azure) Resources(t testing.TB) []AzureResource {
	t.Helper()
	resp, err := a.client.Get(a.URL + "/_emu/resources")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var rs []AzureResource
	if err := json.NewDecoder(resp.Body).Decode(&rs); err != nil {
		t.Fatal(err)
	}
	return rs
}

// Evict simulates Azure's eviction of a Spot VM.
func (a *Azure) Evict(t testing.TB, vm string) { a.control(t, "evict", vm) }

// DeleteVM deletes a VM as someone else would, behind the controller.
func (a *Azure) DeleteVM(t testing.TB, vm string) { a.control(t, "delete", vm) }

// CrashVM makes a VM go down by itself (its host failed): Azure reports
// it stopped, and a booting emulator stops its container.
func (a *Azure) CrashVM(t testing.TB, vm string) {
	t.Helper()
	a.post(t, "delete", url.Values{"group": {a.Group}, "vm": {vm}, "crash": {"true"}})
}

// Fail makes the next n requests of method whose path contains path
// fail with Azure's error status and code; n 0 clears the failures.
func (a *Azure) Fail(t testing.TB, method, path string, n, status int, code string) {
	t.Helper()
	a.post(t, "fail", url.Values{"method": {method}, "path": {path}, "n": {fmt.Sprint(n)}, "status": {fmt.Sprint(status)}, "code": {code}})
}

func (a *Azure) control(t testing.TB, what, vm string) {
	t.Helper()
	a.post(t, what, url.Values{"group": {a.Group}, "vm": {vm}})
}

func (a *Azure) post(t testing.TB, what string, q url.Values) {
	t.Helper()
	resp, err := a.client.Post(a.URL+"/_emu/"+what+"?"+q.Encode(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("armemu %s %v: %s", what, q, resp.Status)
	}
}

// httpsClient trusts the CA in caFile only.
func httpsClient(caFile string) (*http.Client, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", caFile)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 30 * time.Second}, nil
}
