package awsprov

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/vccproject/vcc/plugins/aws/internal/ec2x"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/proto/providertest/moto"
)

func diskFixture(t *testing.T, catalog string) providertest.Fixture {
	impl := NewDisk("0.1.0")
	return providertest.Fixture{
		Provider: providertest.Connect(t, impl), Impl: impl,
		Env: provider.CallEnv{ControllerID: providertest.NewNodeID(), CatalogEntryName: "default",
			CatalogEntry: json.RawMessage(catalog), Credentials: provider.Credentials{"access_key": "testing", "secret_key": "testing"}},
		Spec: json.RawMessage(`{"type": "gp2", "size": 8, "tags": {"team": "a"}}`),
		BadCatalog: []providertest.Bad{
			{Name: "no_zone", Doc: json.RawMessage(`{"aws_region": "us-east-1"}`), WantField: "catalog.aws_availability_zone"},
			{Name: "zone_elsewhere", Doc: json.RawMessage(`{"aws_region": "us-east-1", "aws_availability_zone": "eu-west-1a"}`), WantField: "catalog.aws_availability_zone"},
		},
		BadSpec: []providertest.Bad{
			{Name: "type", Doc: json.RawMessage(`{"type": "ssd"}`), WantField: "spec.type"},
			{Name: "size", Doc: json.RawMessage(`{"size": 0}`), WantField: "spec.size"},
			{Name: "snapshot", Doc: json.RawMessage(`{"cloud_image": "ami-0123abcd"}`), WantField: "spec.cloud_image"},
			{Name: "num_nodes", Doc: json.RawMessage(`{"num_nodes": 2}`), WantField: "spec.num_nodes"},
			{Name: "fixed_ip", Doc: json.RawMessage(`{"ip_addresses": ["10.0.0.5"]}`), WantField: "spec.ip_addresses"},
		},
		SettleAfterCancel: 2 * time.Second,
	}
}

// attachThroughMoto attaches a volume to a new instance of the subnet, as
// an aws node would, and returns the instance.
func attachThroughMoto(m *moto.Server) func(context.Context, string) (string, error) {
	return func(ctx context.Context, vol string) (string, error) {
		cl := ec2x.New(ec2x.Target{Region: "us-east-1", AccessKey: "testing", SecretKey: "testing", Endpoint: m.URL}).API()
		run, err := cl.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(m.Image), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			SubnetId: aws.String(m.Subnet), InstanceType: types.InstanceTypeT3Micro})
		if err != nil {
			return "", err
		}
		id := aws.ToString(run.Instances[0].InstanceId)
		_, err = cl.AttachVolume(ctx, &ec2.AttachVolumeInput{InstanceId: aws.String(id), VolumeId: aws.String(vol), Device: aws.String("/dev/sdf")})
		return id, err
	}
}

func TestConformanceDisk(t *testing.T) {
	m := moto.Start(t)
	f := diskFixture(t, m.Catalog())
	f.AttachDisk = attachThroughMoto(m)
	providertest.Run(t, f)
}

// A volume is made in the subnet's zone (or the catalog's zone), with the
// spec's type, size and tags, the controller's and node's tags and the
// node's instance name; a volume created from a snapshot gets it.
func TestDiskCreate(t *testing.T) {
	m := moto.Start(t)
	cl := ec2x.New(ec2x.Target{Region: "us-east-1", AccessKey: "testing", SecretKey: "testing", Endpoint: m.URL}).API()
	subs, err := cl.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{SubnetIds: []string{m.Subnet}})
	if err != nil {
		t.Fatal(err)
	}
	subnetZone := aws.ToString(subs.Subnets[0].AvailabilityZone)
	src := m.CreateVolume(t, "us-east-1b", 4)
	var snap struct {
		ID string `xml:"snapshotId"`
	}
	m.Call(t, url.Values{"Action": {"CreateSnapshot"}, "VolumeId": {src}}, &snap)
	p := NewDisk("0.1.0")
	for name, tc := range map[string]struct {
		catalog, spec string
		zone          string
		size          int64
	}{
		"subnet's zone": {m.Catalog(), `{"type": "gp2", "size": 16, "tags": {"team": "a"}}`, subnetZone, 16},
		"catalog zone":  {fmt.Sprintf(`{"aws_region": "us-east-1", "aws_availability_zone": "us-east-1c", "aws_endpoint_url": %q}`, m.URL), `{"type": "standard", "size": 8}`, "us-east-1c", 8},
		"from snapshot": {m.Catalog(), fmt.Sprintf(`{"type": "standard", "size": 8, "cloud_image": %q}`, snap.ID), subnetZone, 8},
	} {
		t.Run(name, func(t *testing.T) {
			env := provider.CallEnv{ControllerID: "ctl0123456789", CatalogEntry: json.RawMessage(tc.catalog), Credentials: provider.Credentials{"access_key": "t", "secret_key": "t"}}
			ref := provider.NodeRef{NodeID: providertest.NewNodeID(), NodeNo: 1, VCID: "v", UnitName: "nfs", CloudInstanceName: "VCP-disk-1"}
			st, err := p.CreateNode(context.Background(), provider.NodeRequest{Env: env, Node: ref, Spec: json.RawMessage(tc.spec), FirstAttempt: true})
			if err != nil {
				t.Fatal(err)
			}
			vols, err := cl.DescribeVolumes(context.Background(), &ec2.DescribeVolumesInput{VolumeIds: []string{st.CloudInstanceID}})
			if err != nil || len(vols.Volumes) != 1 {
				t.Fatalf("volume %s: %v", st.CloudInstanceID, err)
			}
			got := ec2x.VolumeStatus(vols.Volumes[0])
			switch {
			case got.Disk.Zone != tc.zone || got.Disk.SizeGB != tc.size:
				t.Errorf("volume in %s of %d GB, want %s and %d", got.Disk.Zone, got.Disk.SizeGB, tc.zone, tc.size)
			case got.NodeID != ref.NodeID || got.Tags[provider.TagControllerID] != env.ControllerID || got.CloudInstanceName != "VCP-disk-1":
				t.Errorf("tags %v", got.Tags)
			case name == "subnet's zone" && (got.Tags["team"] != "a" || got.Disk.Type != "gp2"):
				t.Errorf("spec tags or type lost: %v %s", got.Tags, got.Disk.Type)
			case name == "from snapshot" && aws.ToString(vols.Volumes[0].SnapshotId) != snap.ID:
				t.Errorf("snapshot %q, want %s", aws.ToString(vols.Volumes[0].SnapshotId), snap.ID)
			}
		})
	}
}

// TestDiskPreflight: what CreateVolume would refuse is found before
// anything is made, on the field to fix.
func TestDiskPreflight(t *testing.T) {
	m := moto.Start(t)
	src := m.CreateVolume(t, "us-east-1a", 20)
	var snap struct {
		ID string `xml:"snapshotId"`
	}
	m.Call(t, url.Values{"Action": {"CreateSnapshot"}, "VolumeId": {src}}, &snap)
	zoned := func(zone string) string {
		return fmt.Sprintf(`{"aws_region": "us-east-1", "aws_availability_zone": %q, "aws_endpoint_url": %q}`, zone, m.URL)
	}
	for name, tc := range map[string]struct {
		catalog, spec string
		want          string // the field of the one error; "" for none
	}{
		"valid":            {zoned("us-east-1a"), fmt.Sprintf(`{"size": 20, "cloud_image": %q}`, snap.ID), ""},
		"subnet's zone":    {m.Catalog(), `{"size": 8}`, ""},
		"unknown zone":     {zoned("us-east-1z"), `{"size": 8}`, "catalog.aws_availability_zone"},
		"unknown snapshot": {zoned("us-east-1a"), `{"size": 8, "cloud_image": "snap-0123456789abcdef0"}`, "spec.cloud_image"},
		"snapshot too big": {zoned("us-east-1a"), fmt.Sprintf(`{"size": 8, "cloud_image": %q}`, snap.ID), "spec.size"},
	} {
		t.Run(name, func(t *testing.T) {
			env := provider.CallEnv{ControllerID: "c", CatalogEntry: json.RawMessage(tc.catalog), Credentials: provider.Credentials{"access_key": "t", "secret_key": "t"}}
			res, err := NewDisk("0.1.0").Preflight(context.Background(), provider.PreflightRequest{Env: env, Spec: json.RawMessage(tc.spec)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range res.Diagnostics {
				if d.Severity == provider.SeverityError {
					got = append(got, d.Field)
				}
			}
			if (tc.want == "" && len(got) != 0) || (tc.want != "" && (len(got) != 1 || got[0] != tc.want)) {
				t.Errorf("errors on %v, want %q: %v", got, tc.want, res.Diagnostics)
			}
		})
	}
}
