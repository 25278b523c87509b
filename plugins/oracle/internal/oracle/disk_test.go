package oracle

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/vccproject/vcc/plugins/oracle/internal/ocisdk"
	"github.com/vccproject/vcc/plugins/oracle/ociemu"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
)

// diskEnv is a disk call environment against the emulator: the oracle
// entry without its subnet, which a volume needs not.
func diskEnv(w *ociemu.World, url string) provider.CallEnv {
	e := env(w, url)
	e.CatalogEntry = json.RawMessage(fmt.Sprintf(`{"oracle_tenancy_ocid": %q, "oracle_compartment_id": %q, "oracle_region": %q,
		"oracle_availability_domain": %q, "oracle_endpoint_url": %q}`, w.Tenancy(), w.Tenancy(), w.Region(), w.ADs()[0], url))
	return e
}

func diskFixture(p provider.Provider, e provider.CallEnv) providertest.Fixture {
	return providertest.Fixture{
		Provider: p, Env: e,
		Spec: json.RawMessage(`{"size_in_gbs": 60, "tags": {"team": "a"}}`),
		BadCatalog: []providertest.Bad{
			{Name: "no_ad", Doc: json.RawMessage(`{` + goodCatalog + `}`), WantField: "catalog.oracle_availability_domain"},
			{Name: "subnet_is_vcn", Doc: json.RawMessage(`{` + goodCatalog + `, "oracle_availability_domain": "Uocm:AP-TOKYO-1-AD-1", "oracle_subnet_id": "ocid1.vcn.oc1.ap-tokyo-1.cccc"}`), WantField: "catalog.oracle_subnet_id"},
		},
		BadSpec: []providertest.Bad{
			{Name: "small", Doc: json.RawMessage(`{"size_in_gbs": 20}`), WantField: "spec.size_in_gbs"},
			{Name: "huge", Doc: json.RawMessage(`{"size_in_gbs": 40000}`), WantField: "spec.size_in_gbs"},
			{Name: "vpus", Doc: json.RawMessage(`{"vpus_per_gb": 15}`), WantField: "spec.vpus_per_gb"},
			{Name: "source", Doc: json.RawMessage(`{"cloud_image": "ocid1.image.oc1.ap-tokyo-1.aaaa"}`), WantField: "spec.cloud_image"},
			{Name: "num_nodes", Doc: json.RawMessage(`{"num_nodes": 2}`), WantField: "spec.num_nodes"},
			{Name: "fixed_ip", Doc: json.RawMessage(`{"ip_addresses": ["10.0.1.5"]}`), WantField: "spec.ip_addresses"},
		},
		Timeout: 20 * time.Second,
	}
}

// attachThroughEmulator launches an instance in the AD and attaches the
// volume to it, as an oracle node would; it returns the instance.
func attachThroughEmulator(w *ociemu.World, url string) func(context.Context, string) (string, error) {
	return func(ctx context.Context, vol string) (string, error) {
		c, err := ocisdk.New(ocisdk.Target{Tenancy: w.Tenancy(), Region: w.Region(), Endpoint: url},
			provider.Credentials{"user_ocid": w.UserOCID, "fingerprint": w.Fingerprint, "private_key": w.PrivateKey})
		if err != nil {
			return "", err
		}
		in, err := c.Compute.LaunchInstance(ctx, core.LaunchInstanceRequest{LaunchInstanceDetails: core.LaunchInstanceDetails{
			AvailabilityDomain: common.String(w.ADs()[0]), CompartmentId: common.String(w.Tenancy()), Shape: common.String("VM.Standard.E2.1"),
			SourceDetails:     core.InstanceSourceViaImageDetails{ImageId: common.String(w.ImageID)},
			CreateVnicDetails: &core.CreateVnicDetails{SubnetId: common.String(w.SubnetID)}}})
		if err != nil {
			return "", err
		}
		_, err = c.Compute.AttachVolume(ctx, core.AttachVolumeRequest{AttachVolumeDetails: core.AttachParavirtualizedVolumeDetails{
			InstanceId: in.Id, VolumeId: &vol, Device: common.String("/dev/oracleoci/oraclevdb")}})
		return deref(in.Id), err
	}
}

// TestConformanceDisk runs the shared suite, disk part included (a
// volume attached through the emulator must name its holder and be
// detached by the delete), over real gRPC, in-process.
func TestConformanceDisk(t *testing.T) {
	w, srv := ociemu.Start(t)
	impl := NewDisk("0.1.0")
	f := diskFixture(providertest.Connect(t, impl), diskEnv(w, srv.URL))
	f.Impl, f.AttachDisk = impl, attachThroughEmulator(w, srv.URL)
	providertest.Run(t, f)
	for _, v := range w.Volumes() {
		if v.LifecycleState != "TERMINATED" {
			t.Errorf("left in the emulator: %+v", v)
		}
	}
}

// TestLaunchDisk runs the suite on the built vcc-provider-oracle-disk,
// started as vcc-host starts it.
func TestLaunchDisk(t *testing.T) {
	bin := providertest.Build(t, "../../cmd/vcc-provider-oracle-disk")
	w, srv := ociemu.Start(t)
	f := diskFixture(providertest.Launch(t, bin), diskEnv(w, srv.URL))
	f.AttachDisk = attachThroughEmulator(w, srv.URL)
	providertest.Run(t, f)
	info, err := f.Provider.GetInfo(context.Background())
	if err != nil || info.Name != "oracle_disk" || info.CredentialsFamily != "oracle" {
		t.Errorf("info %+v %v", info, err)
	}
}

// TestDiskCreate: a volume is made in the catalog's compartment and AD,
// under the node's name, with the spec's size, performance and tags and
// vcc's own; a clone gets its source; a repeated create (first attempt or
// not) makes no second volume.
func TestDiskCreate(t *testing.T) {
	w, srv := ociemu.Start(t)
	src := w.AddVolume(80)
	p := NewDisk("test")
	for name, tc := range map[string]struct {
		spec      string
		size      int64
		vpus      int64
		source    string
		wantState provider.InstanceState
	}{
		"blank":       {`{"size_in_gbs": 60, "vpus_per_gb": 20, "tags": {"team": "a"}}`, 60, 20, "", provider.InstancePending},
		"flavor":      {`{"size_in_gbs": 250, "vpus_per_gb": 10}`, 250, 10, "", provider.InstancePending},
		"clone":       {`{"size_in_gbs": 100, "cloud_image": "` + src + `"}`, 100, 10, src, provider.InstancePending},
		"defaults 50": {`{}`, 50, 10, "", provider.InstancePending},
	} {
		t.Run(name, func(t *testing.T) {
			req := provider.NodeRequest{Env: diskEnv(w, srv.URL), Spec: json.RawMessage(tc.spec), FirstAttempt: true,
				Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 1, VCID: "v", UnitName: "nfs", CloudInstanceName: "VCP-" + strings.ReplaceAll(name, " ", "-")}}
			st, err := p.CreateNode(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			for _, first := range []bool{true, false} {
				req.FirstAttempt = first
				again, err := p.CreateNode(context.Background(), req)
				if err != nil || again.CloudInstanceID != st.CloudInstanceID {
					t.Fatalf("repeated create (first attempt %v): %v %v, want %s", first, again, err, st.CloudInstanceID)
				}
			}
			var v *ociemu.Volume
			for _, x := range w.Volumes() {
				if x.ID == st.CloudInstanceID {
					v = &x
				}
			}
			switch {
			case v == nil:
				t.Fatalf("no volume %s", st.CloudInstanceID)
			case st.State != tc.wantState || st.NodeID != req.Node.NodeID || st.Disk == nil || st.Disk.SizeGB != tc.size || st.Disk.Zone != w.ADs()[0]:
				t.Errorf("create answered %+v (%+v)", st, st.Disk)
			case v.SizeInGBs != tc.size || v.VpusPerGB != tc.vpus || v.AvailabilityDomain != w.ADs()[0] || v.CompartmentID != w.Tenancy() || v.DisplayName != req.Node.CloudInstanceName:
				t.Errorf("volume %+v", v)
			case v.FreeformTags["vcc.node_id"] != req.Node.NodeID || v.FreeformTags["vcc.controller_id"] != req.Env.ControllerID:
				t.Errorf("tags %v", v.FreeformTags)
			case name == "blank" && v.FreeformTags["team"] != "a":
				t.Errorf("spec tags lost: %v", v.FreeformTags)
			case tc.source != "" && (v.SourceDetails == nil || v.SourceDetails.ID != tc.source):
				t.Errorf("source %+v, want %s", v.SourceDetails, tc.source)
			}
		})
	}
	if n := len(w.Volumes()); n != 5 {
		t.Errorf("%d volumes, want the source and 4", n)
	}
}

// TestDiskPreflight: the source volume to clone is checked (exists, same
// AD, no larger than the clone), and the AD.
func TestDiskPreflight(t *testing.T) {
	w, srv := ociemu.Start(t, func(o *ociemu.Options) { o.ADs = []string{"Uocm:AP-TOKYO-1-AD-1", "Uocm:AP-TOKYO-1-AD-2"} })
	p := NewDisk("test")
	src, far := w.AddVolume(80), w.AddVolumeIn("Uocm:AP-TOKYO-1-AD-2", 50)
	for name, tc := range map[string]struct {
		spec, ad string
		want     []finding
	}{
		"all well":     {spec: `{"size_in_gbs": 80, "cloud_image": "` + src + `"}`},
		"no source":    {spec: `{"cloud_image": "ocid1.volume.oc1.ap-tokyo-1.nothere"}`, want: []finding{{"spec.cloud_image", provider.CodeNotFound}}},
		"source far":   {spec: `{"cloud_image": "` + far + `"}`, want: []finding{{"spec.cloud_image", provider.CodeInvalid}}},
		"clone small":  {spec: `{"size_in_gbs": 60, "cloud_image": "` + src + `"}`, want: []finding{{"spec.size_in_gbs", provider.CodeInvalid}}},
		"no such AD":   {spec: `{}`, ad: "Uocm:AP-TOKYO-1-AD-3", want: []finding{{"catalog.oracle_availability_domain", provider.CodeInvalid}}},
		"second AD ok": {spec: `{}`, ad: "Uocm:AP-TOKYO-1-AD-2"},
	} {
		t.Run(name, func(t *testing.T) {
			e := diskEnv(w, srv.URL)
			if tc.ad != "" {
				e.CatalogEntry = json.RawMessage(strings.Replace(string(e.CatalogEntry), w.ADs()[0], tc.ad, 1))
			}
			res, err := p.Preflight(context.Background(), provider.PreflightRequest{Env: e, Spec: json.RawMessage(tc.spec)})
			if err != nil {
				t.Fatal(err)
			}
			if got := errorsOf(res.Diagnostics); len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
				t.Errorf("findings %v, want %v", res.Diagnostics, tc.want)
			}
		})
	}
}

// TestMayHaveDisks: a full describe looks volume attachments up unless
// the unit's spec names no disks.
func TestMayHaveDisks(t *testing.T) {
	for _, tc := range []struct {
		req  provider.DescribeRequest
		want bool
	}{
		{provider.DescribeRequest{Spec: json.RawMessage(`{"shape": "VM.Standard.E2.1"}`)}, false},
		{provider.DescribeRequest{Spec: json.RawMessage(`{"disks": []}`)}, false},
		{provider.DescribeRequest{Spec: json.RawMessage(`{"disks": ["ocid1.volume.oc1.x.y"]}`)}, true},
		{provider.DescribeRequest{}, true},
		{provider.DescribeRequest{AllOfController: true, Spec: json.RawMessage(`{}`)}, true},
		{provider.DescribeRequest{Spec: json.RawMessage(`{"disks": "x"}`)}, true},
	} {
		if got := mayHaveDisks(tc.req); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.req, got, tc.want)
		}
	}
}

// TestDiskMadeAgain: a disk node made again after its volume was deleted
// gets a new volume, although OCI answers the node's retry token with the
// deleted one for a day; a delete of what is gone succeeds.
func TestDiskMadeAgain(t *testing.T) {
	w, srv := ociemu.Start(t)
	p := NewDisk("test")
	req := provider.NodeRequest{Env: diskEnv(w, srv.URL), Spec: json.RawMessage(`{}`), FirstAttempt: true,
		Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 1, CloudInstanceName: "VCP-again"}}
	ctx := context.Background()
	first, err := p.CreateNode(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	req.Node.CloudInstanceID = first.CloudInstanceID
	gone := func() bool {
		got, err := p.DescribeNodes(ctx, provider.DescribeRequest{Env: req.Env, Nodes: []provider.NodeRef{req.Node}})
		return err == nil && len(got) == 1 && got[0].State == provider.InstanceNotFound
	}
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if err := p.DeleteNode(ctx, req); err != nil { // repeated as the host repeats it
			t.Logf("delete: %v", err)
		}
		if gone() {
			break
		}
		if time.Now().After(end) {
			t.Fatal("the volume was not deleted")
		}
	}
	if err := p.DeleteNode(ctx, req); err != nil {
		t.Errorf("delete of a deleted volume: %v", err)
	}
	req.Node.CloudInstanceID = ""
	second, err := p.CreateNode(ctx, req)
	if err != nil || second.CloudInstanceID == first.CloudInstanceID || second.State != provider.InstancePending {
		t.Fatalf("made again: %+v %v, want a new volume (the first was %s)", second, err, first.CloudInstanceID)
	}
}
