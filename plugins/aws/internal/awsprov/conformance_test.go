package awsprov

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providertest"
	"github.com/vccproject/vcc/proto/providertest/moto"
)

func fixture(t *testing.T, spot bool, m *moto.Server) providertest.Fixture {
	return fixtureFor(t, spot, m.Catalog(), m.Image)
}

func fixtureFor(t *testing.T, spot bool, catalog, image string) providertest.Fixture {
	spec := fmt.Sprintf(`{"instance_type": "m4.large", "cloud_image": %q, "tags": {"team": "a"}}`, image)
	impl := Plugin("0.1.0", spot)
	return providertest.Fixture{
		Provider: providertest.Connect(t, impl), Impl: impl,
		Env: provider.CallEnv{ControllerID: providertest.NewNodeID(), CatalogEntryName: "default",
			CatalogEntry: json.RawMessage(catalog), Credentials: provider.Credentials{"access_key": "testing", "secret_key": "testing"}},
		Spec: json.RawMessage(spec),
		// moto ignores ClientToken: let a cut RunInstances finish there
		// before the retried create looks for it by tag.
		SettleAfterCancel: 2 * time.Second,
		BadCatalog: []providertest.Bad{
			{Name: "missing_region", Doc: json.RawMessage(`{"aws_vpc_subnet_id": "subnet-0123abcd", "aws_vpc_security_group_id": "sg-0123abcd"}`), WantField: "catalog.aws_region"},
			{Name: "bad_region", Doc: json.RawMessage(`{"aws_region": "tokyo", "aws_vpc_subnet_id": "subnet-0123abcd", "aws_vpc_security_group_id": "sg-0123abcd"}`), WantField: "catalog.aws_region"},
			{Name: "bad_subnet", Doc: json.RawMessage(`{"aws_region": "us-east-1", "aws_vpc_subnet_id": "sub-1", "aws_vpc_security_group_id": "sg-0123abcd"}`), WantField: "catalog.aws_vpc_subnet_id"},
			{Name: "typo_upstream", Doc: json.RawMessage(`{"aws_region": "us-east-1", "aws_vcp_subnet_id": "subnet-0123abcd", "aws_vpc_security_group_id": "sg-0123abcd"}`), WantField: "catalog.aws_vcp_subnet_id"},
			{Name: "zone_elsewhere", Doc: json.RawMessage(`{"aws_region": "us-east-1", "aws_vpc_subnet_id": "subnet-0123abcd", "aws_vpc_security_group_id": "sg-0123abcd", "aws_availability_zone": "eu-west-1a"}`), WantField: "catalog.aws_availability_zone"},
			{Name: "image_owner_name", Doc: json.RawMessage(`{"aws_region": "us-east-1", "aws_vpc_subnet_id": "subnet-0123abcd", "aws_vpc_security_group_id": "sg-0123abcd", "aws_image_owners": ["self", "canonical"]}`), WantField: "catalog.aws_image_owners[1]"},
			{Name: "bad_cidr", Doc: json.RawMessage(`{"aws_region": "us-east-1", "aws_vpc_subnet_id": "subnet-0123abcd", "aws_vpc_security_group_id": "sg-0123abcd", "private_network_ipmask": "10.0.0.0"}`), WantField: "catalog.private_network_ipmask"},
		},
		BadSpec: []providertest.Bad{
			{Name: "volume_type", Doc: json.RawMessage(`{"volume_type": "ssd", "cloud_image": "ami-0123abcd"}`), WantField: "spec.volume_type"},
			{Name: "volume_size", Doc: json.RawMessage(`{"volume_size": 2, "cloud_image": "ami-0123abcd"}`), WantField: "spec.volume_size"},
			{Name: "default_image", Doc: json.RawMessage(`{}`), WantField: "spec.cloud_image"},
			{Name: "bad_disk", Doc: json.RawMessage(`{"cloud_image": "ami-0123abcd", "disks": ["vol-0123abcd", "disk-1"]}`), WantField: "spec.disks[1]"},
			{Name: "ip_outside", Doc: json.RawMessage(`{"cloud_image": "ami-0123abcd", "ip_addresses": ["192.168.9.9"]}`), WantField: "spec.ip_addresses[0]"},
		},
	}
}

func TestConformanceOnDemand(t *testing.T) {
	providertest.Run(t, fixture(t, false, moto.Start(t)))
}

func TestConformanceSpot(t *testing.T) {
	f := fixture(t, true, moto.Start(t))
	f.BadSpec = append(f.BadSpec,
		providertest.Bad{Name: "block_duration", Doc: json.RawMessage(`{"cloud_image": "ami-0123abcd", "block_duration_minutes": 60}`), WantField: "spec.block_duration_minutes"},
		providertest.Bad{Name: "spot_type", Doc: json.RawMessage(`{"cloud_image": "ami-0123abcd", "spot_type": "forever"}`), WantField: "spec.spot_type"},
		providertest.Bad{Name: "spot_price", Doc: json.RawMessage(`{"cloud_image": "ami-0123abcd", "spot_price": "cheap"}`), WantField: "spec.spot_price"})
	providertest.Run(t, f)
}

// TestSmoke runs both binaries as subprocesses, as the host does, through
// the validation cases (no EC2 needed).
func TestSmoke(t *testing.T) {
	catalog := `{"aws_region": "us-east-1", "aws_vpc_subnet_id": "subnet-0123abcd", "aws_vpc_security_group_id": "sg-0123abcd", "aws_endpoint_url": "http://127.0.0.1:1", "private_network_ipmask": "172.31.0.0/20"}`
	for _, c := range []struct {
		pkg  string
		spot bool
	}{{"../../cmd/vcc-provider-aws", false}, {"../../cmd/vcc-provider-aws-spot", true}} {
		t.Run(c.pkg[len("../../cmd/"):], func(t *testing.T) {
			providertest.Smoke(t, providertest.Build(t, c.pkg), fixtureFor(t, c.spot, catalog, "ami-0123abcd"))
		})
	}
	t.Run("vcc-provider-aws-disk", func(t *testing.T) {
		providertest.Smoke(t, providertest.Build(t, "../../cmd/vcc-provider-aws-disk"), diskFixture(t, catalog))
	})
}
