package main_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/proto/providertest/moto"
	"github.com/vccproject/vcc/sdk"
)

// awsStorageHost runs vcc-host with aws, aws_spot and aws_disk against m:
// aws_disk's default entry is aws's (its volumes in the subnet's zone),
// "far" puts them in another zone.
func awsStorageHost(t *testing.T, m *moto.Server) *testenv.Host {
	entry := fmt.Sprintf("    aws_region: us-east-1\n    aws_vpc_subnet_id: %s\n    aws_vpc_security_group_id: %s\n    private_network_ipmask: %s\n    aws_endpoint_url: %s\n",
		m.Subnet, m.SecurityGroup, m.SubnetCIDR, m.URL)
	catalog := "aws:\n  default:\n" + entry + "aws_spot:\n  default:\n" + entry +
		"aws_disk:\n  default:\n" + entry + "  far:\n    aws_region: us-east-1\n    aws_availability_zone: us-east-1f\n    aws_endpoint_url: " + m.URL + "\n"
	plugins := maps.Clone(testenv.AWSPlugins(t))
	plugins["vcc-provider-aws-disk"] = testenv.AWSDiskPlugin(t)
	h := testenv.StartHostWith(t, catalog, plugins, "--reconcile-interval", "0", "--serf-listen", "off")
	for k, v := range map[string]string{"access_key": "testing", "secret_key": "testing"} {
		if err := h.Client.PutCredential(ctx(t), "aws", k, v); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// volume is an EBS volume as moto shows it.
type volume struct {
	ID, Zone, State, Instance, Device string
	Size                              int
}

func volumes(t *testing.T, m *moto.Server) map[string]volume {
	var out struct {
		Items []struct {
			ID    string `xml:"volumeId"`
			Zone  string `xml:"availabilityZone"`
			State string `xml:"status"`
			Size  int    `xml:"size"`
			Att   []struct {
				Instance string `xml:"instanceId"`
				Device   string `xml:"device"`
			} `xml:"attachmentSet>item"`
			Tags []struct {
				Key string `xml:"key"`
			} `xml:"tagSet>item"`
		} `xml:"volumeSet>item"`
	}
	m.Call(t, url.Values{"Action": {"DescribeVolumes"}}, &out)
	vols := map[string]volume{}
	for _, v := range out.Items {
		tagged := false
		for _, tg := range v.Tags {
			tagged = tagged || tg.Key == provider.TagControllerID
		}
		if !tagged || (len(v.Att) > 0 && (v.Att[0].Device == "/dev/sda1" || v.Att[0].Device == "/dev/xvda")) {
			continue // the test's own volumes, and instances' root volumes
		}
		vol := volume{ID: v.ID, Zone: v.Zone, State: v.State, Size: v.Size}
		if len(v.Att) > 0 {
			vol.Instance, vol.Device = v.Att[0].Instance, v.Att[0].Device
		}
		vols[v.ID] = vol
	}
	return vols
}

func wantAPIError(t *testing.T, what string, err error, status int, field, text string) {
	t.Helper()
	var ae *sdk.APIError
	if !asAPIError(err, &ae) || ae.Status != status || (field != "" && !hasField(ae.Body.Details, field)) || !strings.Contains(err.Error(), text) {
		t.Errorf("%s: %v, want %d on %q saying %q", what, err, status, field, text)
	}
}

// TestAWSStorage is issue 20's flow against moto's EBS: a storage VC of 2
// aws_disk disks, a compute unit attaching them (moto shows the
// attachment, the node its disks, each disk its holder), the refusals
// (another zone, attached already, too many nodes, fixed IPs, power on a
// storage unit, deleting held disks) with nothing made, deleting the
// compute unit leaves the disks detached, an aws_spot node takes one
// again, and a forced cleanup of the storage VC detaches and deletes
// every volume.
func TestAWSStorage(t *testing.T) {
	m := moto.Start(t)
	h := awsStorageHost(t, m)
	c := ctx(t)
	cl, _ := validated(t, h)

	st := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "course_disk", "storage"))
	_, err := cl.CreateUnit(c, st.VCID, sdk.CreateUnitRequest{UnitName: "ips", Provider: "aws_disk", Flavor: "small",
		Spec: map[string]any{"num_disks": 1, "ip_addresses": []string{"10.0.0.9"}}})
	wantAPIError(t, "fixed IPs in a storage spec", err, http.StatusBadRequest, "spec.ip_addresses", "have no address")
	_, err = cl.CreateUnit(c, st.VCID, sdk.CreateUnitRequest{UnitName: "vm", Provider: "aws", Spec: map[string]any{"cloud_image": m.Image}})
	wantAPIError(t, "an aws unit in a storage VC", err, http.StatusBadRequest, "provider", "aws_disk")
	settle(t, cl)(cl.CreateUnit(c, st.VCID, sdk.CreateUnitRequest{UnitName: "nfs", Provider: "aws_disk", Flavor: "small",
		Spec: map[string]any{"num_disks": 2, "size": 10, "tags": map[string]string{"course": "x"}}}))
	settle(t, cl)(cl.CreateUnit(c, st.VCID, sdk.CreateUnitRequest{UnitName: "far", Provider: "aws_disk", Spec: map[string]any{"private_network": "far"}}))
	disks := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "nfs")).Nodes
	far := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "far")).Nodes[0]
	vols := volumes(t, m)
	if len(disks) != 2 || len(vols) != 3 {
		t.Fatalf("disks %+v, volumes %+v", disks, vols)
	}
	for _, d := range disks {
		v := vols[d.CloudInstanceID]
		if d.State != "RUNNING" || d.Disk == nil || d.Disk.SizeGB != 10 || v.Size != 10 || d.Disk.Zone != v.Zone || d.Disk.AttachedTo != nil || v.Instance != "" {
			t.Errorf("disk %+v (%+v), volume %+v", d, d.Disk, v)
		}
	}
	if far.Disk == nil || far.Disk.Zone != "us-east-1f" {
		t.Errorf("far disk %+v", far)
	}
	_, err = cl.PowerOn(c, st.VCID, "nfs", sdk.Selector{})
	wantAPIError(t, "power on a storage unit", err, http.StatusBadRequest, "action", "storage unit")
	_, err = cl.UnitAction(c, st.VCID, "nfs", "unwatch", sdk.Selector{})
	wantAPIError(t, "unwatch a storage unit", err, http.StatusBadRequest, "action", "storage unit")
	_, err = cl.AddNodes(c, st.VCID, "nfs", sdk.AddNodesRequest{IPAddresses: []string{"10.0.0.9"}})
	wantAPIError(t, "fixed IPs added to a storage unit", err, http.StatusBadRequest, "ip_addresses", "have no address")
	settle(t, cl)(cl.AddNodes(c, st.VCID, "nfs", sdk.AddNodesRequest{NumAddNodes: 1})) // add_nodes adds disks
	if u := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "nfs")); states(u)["RUNNING"] != 3 || u.Nodes[2].Disk == nil || u.Nodes[2].Disk.SizeGB != 10 {
		t.Errorf("after adding a disk: %v, %+v", states(u), u.Nodes[2])
	}

	vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "course", ""))
	nfsSpec := func(extra map[string]any, disks ...string) map[string]any {
		s := map[string]any{"cloud_image": m.Image, "disks": disks}
		maps.Copy(s, extra)
		return s
	}
	instancesBefore := len(m.Instances(t))
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "aws", Spec: nfsSpec(nil, disks[0].NodeID, far.NodeID)})
	wantAPIError(t, "a disk in another zone", err, http.StatusBadRequest, "spec.disks", "different zones")
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "aws", Spec: nfsSpec(nil, far.NodeID)})
	wantAPIError(t, "a disk in another zone than the node", err, http.StatusBadRequest, "spec.disks[0]", "us-east-1f")
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "aws", Spec: nfsSpec(map[string]any{"num_nodes": 2}, disks[0].NodeID)})
	wantAPIError(t, "disks on two nodes", err, http.StatusBadRequest, "spec.disks", "one node")
	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "aws", Spec: nfsSpec(nil, "0123456789abcdef0123456789abcdef")})
	wantAPIError(t, "an unknown disk node", err, http.StatusBadRequest, "spec.disks[0]", "no disk node")

	// Attach by node id and by volume id.
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "server", Provider: "aws", Spec: nfsSpec(nil, disks[0].NodeID, disks[1].CloudInstanceID)}))
	server := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "server"))
	node := server.Nodes[0]
	vols = volumes(t, m)
	if node.State != "RUNNING" || len(node.Disks) != 2 {
		t.Fatalf("server node %+v", node)
	}
	// A volume tagged with the controller but unknown to it: reconcile
	// reports it; it also brings the disks' cloud view (holder, device) up
	// to date.
	stray := providertest.Launch(t, testenv.AWSDiskPlugin(t))
	planted, err := stray.CreateNode(c, provider.NodeRequest{
		Env:  provider.CallEnv{ControllerID: h.ControllerID, CatalogEntry: []byte(m.Catalog()), Credentials: provider.Credentials{"access_key": "t", "secret_key": "t"}},
		Node: provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 9, CloudInstanceName: "stray"}, Spec: []byte(`{"size": 1}`), FirstAttempt: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	rep := must[*sdk.ReconcileReport](t)(cl.Reconcile(c))
	if len(rep.Orphans) != 1 || rep.Orphans[0].CloudInstanceID != planted.CloudInstanceID || rep.Orphans[0].Provider != "aws_disk" {
		t.Errorf("orphans %+v, want the planted volume %s", rep.Orphans, planted.CloudInstanceID)
	}
	m.Call(t, url.Values{"Action": {"DeleteVolume"}, "VolumeId": {planted.CloudInstanceID}}, nil)
	for i, d := range disks {
		held := node.Disks[i]
		if v := vols[d.CloudInstanceID]; v.Instance != node.CloudInstanceID || held.CloudDiskID != d.CloudInstanceID || held.NodeID != d.NodeID || held.Device != v.Device || held.Device == "" {
			t.Errorf("disk %d: volume %+v, node shows %+v", i, v, held)
		}
		got := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "nfs")).Nodes[i]
		if got.Disk == nil || got.Disk.AttachedTo == nil || got.Disk.AttachedTo.NodeID != node.NodeID || got.Disk.AttachedTo.CloudInstanceID != node.CloudInstanceID ||
			got.Disk.Device != held.Device {
			t.Errorf("disk %d does not name its holder: %+v", i, got.Disk)
		}
	}

	_, err = cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "bad", Provider: "aws_spot", Spec: nfsSpec(nil, disks[0].NodeID)})
	wantAPIError(t, "a disk attached already", err, http.StatusConflict, "spec.disks[0]", "is attached to node 1")
	_, err = cl.AddNodes(c, vc.VCID, "server", sdk.AddNodesRequest{NumAddNodes: 1})
	wantAPIError(t, "a second node on the same disks", err, http.StatusConflict, "", "a disk attaches to one node")
	_, err = cl.DeleteNode(c, st.VCID, "nfs", disks[0].NodeID)
	wantAPIError(t, "deleting a held disk", err, http.StatusConflict, "", "is attached to node 1")
	_, err = cl.DeleteUnit(c, st.VCID, "nfs", false)
	wantAPIError(t, "deleting a storage unit with held disks", err, http.StatusConflict, "", "some attached")
	if n := len(m.Instances(t)); n != instancesBefore+1 {
		t.Errorf("%d instances after the refusals, want %d (the server's only)", n, instancesBefore+1)
	}

	// A disk outlives its node.
	settle(t, cl)(cl.DeleteUnit(c, vc.VCID, "server", true))
	vols = volumes(t, m)
	for _, d := range disks {
		if v, ok := vols[d.CloudInstanceID]; !ok || v.Instance != "" {
			t.Errorf("after the server's delete, volume %s: %+v (present %v), want it detached", d.CloudInstanceID, v, ok)
		}
	}
	if got := must[*sdk.Unit](t)(cl.GetUnit(c, st.VCID, "nfs")).Nodes[0]; got.Disk == nil || got.Disk.AttachedTo != nil {
		t.Errorf("disk still shows a holder: %+v", got.Disk)
	}

	// aws_spot may use aws_disk disks; then a cleanup of the storage VC
	// is refused until forced, which detaches and deletes every volume.
	// The Go client takes the disk nodes themselves.
	settle(t, cl)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "spot", Provider: "aws_spot",
		Spec: map[string]any{"cloud_image": m.Image, "disks": disks[1:]}}))
	spot := must[*sdk.Unit](t)(cl.GetUnit(c, vc.VCID, "spot")).Nodes[0]
	if v := volumes(t, m)[disks[1].CloudInstanceID]; spot.State != "RUNNING" || v.Instance != spot.CloudInstanceID {
		t.Fatalf("spot node %+v, volume %+v", spot, v)
	}
	_, err = cl.DeleteUnitGroup(c, st.VCID)
	wantAPIError(t, "cleanup of a storage VC with a held disk", err, http.StatusConflict, "", "?force=true")
	settle(t, cl)(cl.DeleteUnitGroup(c, st.VCID, sdk.Force()))
	if vols := volumes(t, m); len(vols) != 0 {
		t.Errorf("after the storage VC's cleanup: %+v", vols)
	}
	settle(t, cl)(cl.DeleteUnitGroup(c, vc.VCID))
	for _, in := range m.Instances(t) {
		if in.State != "terminated" && in.Tag(provider.TagControllerID) == h.ControllerID {
			t.Errorf("instance left: %+v", in)
		}
	}
}
