package osemu_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"

	"github.com/vccproject/vcc/plugins/openstack/osemu"
)

func password(c *osemu.Cloud) gophercloud.AuthOptions {
	return gophercloud.AuthOptions{IdentityEndpoint: c.AuthURL(), Username: osemu.UserName, Password: osemu.UserPassword,
		DomainName: osemu.DomainName, TenantName: osemu.ProjectName, AllowReauth: true}
}

// clients authenticates with opts and returns compute (at microversion
// mv), network, image and volume clients.
func clients(t testing.TB, opts gophercloud.AuthOptions, mv string) (compute, network, image, volume *gophercloud.ServiceClient) {
	t.Helper()
	ctx := context.Background()
	pc, err := openstack.AuthenticatedClient(ctx, opts)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	eo := gophercloud.EndpointOpts{Region: osemu.Region}
	must := func(c *gophercloud.ServiceClient, err error) *gophercloud.ServiceClient {
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	compute = must(openstack.NewComputeV2(pc, eo))
	compute.Microversion = mv
	return compute, must(openstack.NewNetworkV2(pc, eo)), must(openstack.NewImageV2(pc, eo)), must(openstack.NewBlockStorageV3(pc, eo))
}

// TestAuth: password and application-credential tokens, the unversioned
// auth URL through version discovery, and 401 on bad credentials.
func TestAuth(t *testing.T) {
	c := osemu.Start(t, osemu.Options{})
	cases := []struct {
		name   string
		opts   gophercloud.AuthOptions
		status int
	}{
		{"password", password(c), 0},
		{"unversioned url", func() gophercloud.AuthOptions { o := password(c); o.IdentityEndpoint = c.URL() + "/identity"; return o }(), 0},
		{"application credential", gophercloud.AuthOptions{IdentityEndpoint: c.AuthURL(), ApplicationCredentialID: osemu.AppCredID, ApplicationCredentialSecret: osemu.AppCredSecret}, 0},
		{"wrong password", func() gophercloud.AuthOptions { o := password(c); o.Password = "nope"; return o }(), 401},
		{"wrong project", func() gophercloud.AuthOptions { o := password(c); o.TenantName = "nope"; return o }(), 401},
		{"wrong secret", gophercloud.AuthOptions{IdentityEndpoint: c.AuthURL(), ApplicationCredentialID: osemu.AppCredID, ApplicationCredentialSecret: "x"}, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openstack.AuthenticatedClient(context.Background(), tc.opts)
			if tc.status == 0 && err != nil {
				t.Fatalf("authenticate: %v", err)
			}
			if tc.status != 0 && !gophercloud.ResponseCodeIs(err, tc.status) {
				t.Fatalf("authenticate: %v, want HTTP %d", err, tc.status)
			}
		})
	}
}

func waitStatus(t *testing.T, compute *gophercloud.ServiceClient, id, want string) *servers.Server {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := servers.Get(context.Background(), compute, id).Extract()
		if err != nil {
			t.Fatalf("get server %s: %v", id, err)
		}
		if s.Status == want || time.Now().After(deadline) {
			if s.Status != want {
				t.Fatalf("server %s is %s, want %s", id, s.Status, want)
			}
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServerLifecycle: a server on a network with a fixed IP through a
// Nova-made port, tags and metadata, BUILD then ACTIVE, found by tag,
// stopped, started, rebooted, deleted with its port.
func TestServerLifecycle(t *testing.T) {
	c := osemu.Start(t, osemu.Options{BootDelay: 50 * time.Millisecond})
	compute, network, _, _ := clients(t, password(c), "2.52")
	ctx := context.Background()
	s, err := servers.Create(ctx, compute, servers.CreateOpts{Name: "n1", FlavorRef: "1", ImageRef: osemu.ImageID,
		Networks: []servers.Network{{UUID: osemu.NetworkID, FixedIP: "10.56.0.10"}}, Tags: []string{"vcc.node_id=abc"},
		Metadata: map[string]string{"vcc:node_id": "abc"}, UserData: []byte("#cloud-config\n")}, nil).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if got := waitStatus(t, compute, s.ID, "BUILD"); got.Status != "BUILD" {
		t.Fatal(got.Status)
	}
	got := waitStatus(t, compute, s.ID, "ACTIVE")
	if diff := cmp.Diff([]string{"vcc.node_id=abc"}, *got.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if got.Userdata == nil || *got.Userdata != base64.StdEncoding.EncodeToString([]byte("#cloud-config\n")) {
		t.Errorf("user data %v", got.Userdata)
	}
	if a := got.Addresses[osemu.NetworkName]; a == nil {
		t.Errorf("addresses %v", got.Addresses)
	}
	pages, err := servers.List(compute, servers.ListOpts{Tags: "vcc.node_id=abc"}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := servers.ExtractServers(pages); len(list) != 1 || list[0].ID != s.ID {
		t.Errorf("list by tag: %+v", list)
	}
	pages, _ = servers.List(compute, servers.ListOpts{Tags: "vcc.node_id=other"}).AllPages(ctx)
	if list, _ := servers.ExtractServers(pages); len(list) != 0 {
		t.Errorf("list by another tag: %d servers", len(list))
	}
	// A second server on the same address is refused at the API.
	_, err = servers.Create(ctx, compute, servers.CreateOpts{Name: "n2", FlavorRef: "1", ImageRef: osemu.ImageID,
		Networks: []servers.Network{{UUID: osemu.NetworkID, FixedIP: "10.56.0.10"}}}, nil).Extract()
	if !gophercloud.ResponseCodeIs(err, http.StatusBadRequest) {
		t.Errorf("a taken fixed IP: %v, want 400", err)
	}
	if err := servers.Start(ctx, compute, s.ID).ExtractErr(); !gophercloud.ResponseCodeIs(err, http.StatusConflict) {
		t.Errorf("start of an active server: %v, want 409", err)
	}
	if err := servers.Stop(ctx, compute, s.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, compute, s.ID, "SHUTOFF")
	if err := servers.Reboot(ctx, compute, s.ID, servers.RebootOpts{Type: servers.SoftReboot}).ExtractErr(); !gophercloud.ResponseCodeIs(err, http.StatusConflict) {
		t.Errorf("soft reboot of a stopped server: %v, want 409", err)
	}
	if err := servers.Reboot(ctx, compute, s.ID, servers.RebootOpts{Type: servers.HardReboot}).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, compute, s.ID, "ACTIVE")
	if err := servers.Delete(ctx, compute, s.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, compute, s.ID)
	pages, _ = ports.List(network, ports.ListOpts{DeviceID: s.ID}).AllPages(ctx)
	if list, _ := ports.ExtractPorts(pages); len(list) != 0 {
		t.Errorf("the port Nova made outlived the server: %+v", list)
	}
}

func waitGone(t *testing.T, compute *gophercloud.ServiceClient, id string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := servers.Get(context.Background(), compute, id).Err; gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			return
		}
	}
	t.Fatalf("server %s not gone", id)
}

// TestPortsAndVolumes: a port made before the server survives its
// delete; a taken address is Neutron's 409; boot from a new volume, an
// existing volume attached and freed again; images by name.
func TestPortsAndVolumes(t *testing.T) {
	c := osemu.Start(t, osemu.Options{BootDelay: time.Millisecond})
	compute, network, image, volume := clients(t, password(c), "2.52")
	ctx := context.Background()
	sg := []string{osemu.SecGroupID}
	p, err := ports.Create(ctx, network, ports.CreateOpts{NetworkID: osemu.NetworkID, FixedIPs: []ports.IP{{IPAddress: "10.56.0.20"}}, SecurityGroups: &sg}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	_, err = ports.Create(ctx, network, ports.CreateOpts{NetworkID: osemu.NetworkID, FixedIPs: []ports.IP{{IPAddress: "10.56.0.20"}}}).Extract()
	if !gophercloud.ResponseCodeIs(err, http.StatusConflict) {
		t.Errorf("a second port on a taken address: %v, want 409", err)
	}
	pages, err := images.List(image, images.ListOpts{Name: osemu.ImageName}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	imgs, _ := images.ExtractImages(pages)
	if len(imgs) != 1 || imgs[0].ID != osemu.ImageID {
		t.Fatalf("image by name: %+v", imgs)
	}
	s, err := servers.Create(ctx, compute, servers.CreateOpts{Name: "vol", FlavorRef: "2", Networks: []servers.Network{{Port: p.ID}},
		BlockDevice: []servers.BlockDevice{
			{BootIndex: 0, UUID: osemu.ImageID, SourceType: servers.SourceImage, DestinationType: servers.DestinationVolume, VolumeSize: 30, DeleteOnTermination: true},
			{BootIndex: -1, UUID: osemu.DataVolumeID, SourceType: servers.SourceVolume, DestinationType: servers.DestinationVolume},
		}}, nil).Extract()
	if err != nil {
		t.Fatal(err)
	}
	got := waitStatus(t, compute, s.ID, "ACTIVE")
	if len(got.AttachedVolumes) != 2 {
		t.Errorf("attached volumes: %+v", got.AttachedVolumes)
	}
	if v, err := volumes.Get(ctx, volume, osemu.DataVolumeID).Extract(); err != nil || v.Status != "in-use" {
		t.Errorf("data volume: %+v %v", v, err)
	}
	if err := servers.Delete(ctx, compute, s.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, compute, s.ID)
	if left, err := ports.Get(ctx, network, p.ID).Extract(); err != nil || left.DeviceID != "" {
		t.Errorf("the port made before the server: %+v %v", left, err)
	}
	if v, err := volumes.Get(ctx, volume, osemu.DataVolumeID).Extract(); err != nil || v.Status != "available" {
		t.Errorf("data volume after delete: %+v %v", v, err)
	}
	st := c.State()
	if len(st.Volumes) != 2 {
		t.Errorf("the boot volume outlived the server: %+v", st.Volumes)
	}
}

// TestRefusals: what Nova refuses, with its status.
func TestRefusals(t *testing.T) {
	c := osemu.Start(t, osemu.Options{QuotaInstances: 1, MaxMicroversion: "2.60"})
	compute, _, _, _ := clients(t, password(c), "2.52")
	ctx := context.Background()
	ok := servers.CreateOpts{Name: "a", FlavorRef: "1", ImageRef: osemu.ImageID, Networks: []servers.Network{{UUID: osemu.NetworkID}}}
	cases := []struct {
		name   string
		mod    func(o *servers.CreateOpts)
		status int
	}{
		{"no flavor", func(o *servers.CreateOpts) { o.FlavorRef = "99" }, 400},
		{"no image", func(o *servers.CreateOpts) { o.ImageRef = "nope" }, 400},
		{"private image of another project", func(o *servers.CreateOpts) { o.ImageRef = "8c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f" }, 400},
		{"no network", func(o *servers.CreateOpts) { o.Networks = []servers.Network{{UUID: "nope"}} }, 400},
		{"ip outside", func(o *servers.CreateOpts) {
			o.Networks = []servers.Network{{UUID: osemu.NetworkID, FixedIP: "10.9.9.9"}}
		}, 400},
		{"no security group", func(o *servers.CreateOpts) { o.SecurityGroups = []string{"nope"} }, 400},
		{"bad zone", func(o *servers.CreateOpts) { o.AvailabilityZone = "nope" }, 400},
		{"first", func(o *servers.CreateOpts) {}, 0},
		{"quota", func(o *servers.CreateOpts) {}, 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := ok
			tc.mod(&o)
			_, err := servers.Create(ctx, compute, o, nil).Extract()
			if tc.status == 0 && err != nil || tc.status != 0 && !gophercloud.ResponseCodeIs(err, tc.status) {
				t.Fatalf("create: %v, want %d", err, tc.status)
			}
		})
	}
	compute.Microversion = "2.61"
	if _, err := servers.List(compute, nil).AllPages(ctx); !gophercloud.ResponseCodeIs(err, http.StatusNotAcceptable) {
		t.Errorf("a microversion above the maximum: %v, want 406", err)
	}
	compute.Microversion = "2.25"
	o := ok
	o.Name, o.Tags = "old", []string{"x"}
	if _, err := servers.Create(ctx, compute, o, nil).Extract(); !gophercloud.ResponseCodeIs(err, http.StatusBadRequest) {
		t.Errorf("tags below 2.52: %v, want 400", err)
	}
}

// TestCapacity: past the hosts' room a server goes ERROR with Nova's
// NoValidHost fault.
func TestCapacity(t *testing.T) {
	c := osemu.Start(t, osemu.Options{Capacity: 1, BootDelay: time.Millisecond})
	compute, _, _, _ := clients(t, password(c), "2.52")
	var ids []string
	for _, name := range []string{"a", "b"} {
		s, err := servers.Create(context.Background(), compute, servers.CreateOpts{Name: name, FlavorRef: "1", ImageRef: osemu.ImageID,
			Networks: []servers.Network{{UUID: osemu.NetworkID}}}, nil).Extract()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	waitStatus(t, compute, ids[0], "ACTIVE")
	s := waitStatus(t, compute, ids[1], "ERROR")
	if s.Fault.Code != 500 || s.Fault.Message != "No valid host was found. There are not enough hosts available." {
		t.Errorf("fault %+v", s.Fault)
	}
}

// TestTokenExpiry: a call with an expired token is a 401, and
// gophercloud's re-authentication makes a new token and repeats it.
func TestTokenExpiry(t *testing.T) {
	c := osemu.Start(t, osemu.Options{})
	compute, _, _, _ := clients(t, password(c), "2.52")
	before := c.TokensIssued()
	c.ExpireTokens()
	if _, err := servers.List(compute, nil).AllPages(context.Background()); err != nil {
		t.Fatalf("list after expiry: %v", err)
	}
	if c.TokensIssued() != before+1 {
		t.Errorf("tokens issued %d, want %d", c.TokensIssued(), before+1)
	}
	noReauth := password(c)
	noReauth.AllowReauth = false
	compute, _, _, _ = clients(t, noReauth, "2.52")
	c.ExpireTokens()
	_, err := servers.List(compute, nil).AllPages(context.Background())
	var e gophercloud.ErrUnexpectedResponseCode
	if !errors.As(err, &e) || e.Actual != http.StatusUnauthorized {
		t.Errorf("without re-authentication: %v, want 401", err)
	}
}
