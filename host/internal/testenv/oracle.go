package testenv

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// OraclePlugin builds vcc-provider-oracle.
func OraclePlugin(t testing.TB) string {
	return build(t, "vcc-provider-oracle", "plugins/oracle", ".")
}

// OracleDiskPlugin builds vcc-provider-oracle-disk (block volumes).
func OracleDiskPlugin(t testing.TB) string {
	return build(t, "vcc-provider-oracle-disk", "plugins/oracle", "./cmd/vcc-provider-oracle-disk")
}

// OracleEmulator is our OCI emulator (plugins/oracle/ociemu) running in
// its own process, seeded with a user, a subnet and images.
type OracleEmulator struct {
	URL     string `json:"url"`
	Tenancy string `json:"tenancy"`
	Region  string `json:"region"`
	AD      string `json:"availability_domain"`
	// ADs are all the region's availability domains (flag -ads), AD first.
	ADs         []string `json:"availability_domains"`
	SubnetID    string   `json:"subnet_id"`
	SubnetCIDR  string   `json:"subnet_cidr"`
	UserOCID    string   `json:"user_ocid"`
	Fingerprint string   `json:"fingerprint"`
	KeyFile     string   `json:"private_key_file"`
	ImageID     string   `json:"image_id"`
	// CAFile is the CA of an emulator started with -tls (HTTPS, as OCI):
	// trust it with SSL_CERT_FILE.
	CAFile string `json:"ca_file"`
	// PrivateKey is the user's API signing key (PEM).
	PrivateKey string `json:"-"`
	client     *http.Client
}

// StartOracleEmulator starts the emulator for one test; instances boot and
// stop in 200 ms; flags add to the command's (like -tls, -subnet and the
// -machines-* ones). It stops when the test ends.
func StartOracleEmulator(t testing.TB, flags ...string) *OracleEmulator {
	t.Helper()
	bin := build(t, "ociemu", "plugins/oracle", "./ociemu/cmd/ociemu")
	key := filepath.Join(t.TempDir(), "oci-key.pem")
	ca := filepath.Join(filepath.Dir(key), "oci-ca.pem")
	cmd := exec.Command(bin, append([]string{"-json", "-listen", "127.0.0.1:0", "-key-out", key, "-ca-out", ca, "-boot", "200ms", "-stop", "200ms"}, flags...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("ociemu's log:\n%s", stderr.String())
		}
	})
	line, err := bufio.NewReader(out).ReadBytes('\n')
	var e OracleEmulator
	if err != nil || json.Unmarshal(line, &e) != nil {
		t.Fatalf("ociemu printed %q: %v\n%s", line, err, stderr.String())
	}
	raw, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	e.PrivateKey = string(raw)
	e.client = http.DefaultClient
	if e.CAFile != "" {
		pem, err := os.ReadFile(e.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		e.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	}
	return &e
}

// CatalogEntry is a vpn_catalog.yml entry (its fields, indented by 4) of
// the emulator's subnet.
func (e *OracleEmulator) CatalogEntry() string {
	return fmt.Sprintf("    oracle_tenancy_ocid: %s\n    oracle_compartment_id: %s\n    oracle_subnet_id: %s\n    oracle_region: %s\n"+
		"    oracle_availability_domain: %q\n    oracle_endpoint_url: %s\n    private_network_ipmask: %s\n",
		e.Tenancy, e.Tenancy, e.SubnetID, e.Region, e.AD, e.URL, e.SubnetCIDR)
}

// OracleInstance is an instance as the emulator holds it.
type OracleInstance struct {
	ID             string            `json:"id"`
	DisplayName    string            `json:"displayName"`
	LifecycleState string            `json:"lifecycleState"`
	Shape          string            `json:"shape"`
	FreeformTags   map[string]string `json:"freeformTags"`
	Metadata       map[string]string `json:"metadata"`
	Preemptible    *json.RawMessage  `json:"preemptibleInstanceConfig"`
}

// Instances lists what the emulator holds (TERMINATED ones for a while).
func (e *OracleEmulator) Instances(t testing.TB) []OracleInstance {
	t.Helper()
	resp, err := e.client.Get(e.URL + "/_emu/instances")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read to the end by Decode
	var out []OracleInstance
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// OracleVolume is a block volume as the emulator holds it.
type OracleVolume struct {
	ID                 string            `json:"id"`
	DisplayName        string            `json:"displayName"`
	AvailabilityDomain string            `json:"availabilityDomain"`
	LifecycleState     string            `json:"lifecycleState"`
	SizeInGBs          int64             `json:"sizeInGBs"`
	FreeformTags       map[string]string `json:"freeformTags"`
}

// OracleAttachment is a volume attachment (not DETACHED) as the emulator
// holds it.
type OracleAttachment struct {
	ID             string `json:"id"`
	InstanceID     string `json:"instanceId"`
	VolumeID       string `json:"volumeId"`
	LifecycleState string `json:"lifecycleState"`
	Device         string `json:"device"`
}

// Volumes lists the emulator's block volumes (TERMINATED ones for a while).
func (e *OracleEmulator) Volumes(t testing.TB) []OracleVolume {
	var out []OracleVolume
	e.get(t, "volumes", &out)
	return out
}

// Attachments lists the emulator's volume attachments that are not
// DETACHED.
func (e *OracleEmulator) Attachments(t testing.TB) []OracleAttachment {
	var out []OracleAttachment
	e.get(t, "attachments", &out)
	return out
}

func (e *OracleEmulator) get(t testing.TB, what string, out any) {
	t.Helper()
	resp, err := e.client.Get(e.URL + "/_emu/" + what)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read to the end by Decode
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("/_emu/%s: %v", what, err)
	}
}

// Preempt makes OCI reclaim a preemptible instance.
func (e *OracleEmulator) Preempt(t testing.TB, id string) { e.control(t, "preempt", id) }

// Crash cuts a running instance's power: it is STOPPED, its machine killed.
func (e *OracleEmulator) Crash(t testing.TB, id string) { e.control(t, "crash", id) }

// Fail makes the emulator's next n calls of op fail with an OCI error
// (op+"!after": done first, the answer lost).
func (e *OracleEmulator) Fail(t testing.TB, op string, n, status int, code, message string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"op": op, "n": n, "status": status, "code": code, "message": message})
	resp, err := e.client.Post(e.URL+"/_emu/fail", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close() // no body: the status is the answer
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("fail %s: %s", op, resp.Status)
	}
}

func (e *OracleEmulator) control(t testing.TB, what, id string) {
	t.Helper()
	resp, err := e.client.Post(e.URL+"/_emu/"+what+"?id="+id, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close() // no body: the status is the answer
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("%s %s: %s", what, id, resp.Status)
	}
}
