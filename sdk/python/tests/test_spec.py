"""Spec objects built from the provider's schema served by the
controller: defaults, flavors, strict attributes, helpers, printing."""

import pytest
import yaml

from vcpsdk.vcpsdk import VCPNotFoundException, VCPSpecException, VCPValidationException


def test_from_schema_and_flavor(sdk):
    spec = sdk.get_spec("sim", "large")
    assert (spec.instance_type, spec.volume_size, spec.num_nodes, spec.private_network) == ("sim.large", 100, 1, "default")
    assert spec.params_e == [] and spec.params_v == [] and spec.tags == {}
    spec.params_e.append("A=1")  # without assigning first, as notebooks do
    spec.ip_addresses.append("10.208.0.9")
    assert spec.request("u") == {"unit_name": "u", "provider": "sim", "flavor": "large",
                                 "spec": {"params_e": ["A=1"], "ip_addresses": ["10.208.0.9"]}}
    spec.ip_addresses = None  # back to the default
    assert "ip_addresses" not in spec.request("u")["spec"]


def test_unknown_attribute_raises_with_the_names(sdk):
    spec = sdk.get_spec("sim", "small")
    with pytest.raises(VCPSpecException, match=r"no spec attribute 'vm_size'.*instance_type") as e:
        spec.vm_size = "Standard_B1s"
    assert "volume_size" in str(e.value)
    with pytest.raises(VCPSpecException, match="did you mean volume_size"):
        spec.volume_sise = 20
    assert not hasattr(spec, "disk_size_gb")  # also an AttributeError
    assert "instance_type" in dir(spec)


def test_values_are_checked(sdk):
    spec = sdk.get_spec("sim", "small")
    with pytest.raises(VCPSpecException, match="num_nodes must be an integer, got '3'"):
        spec.num_nodes = "3"
    with pytest.raises(VCPSpecException, match="must be one of sim.small, sim.medium, sim.large"):
        spec.instance_type = "sim.huge"
    with pytest.raises(VCPSpecException, match="params_e must be a list of strings"):
        spec.params_e = "A=1"
    spec.disks = [type("Node", (), {"node_id": "d" * 32, "cloud_instance_id": "vol-1"})(), "vol-2"]
    assert spec.disks == ["d" * 32, "vol-2"]  # a disk node goes by its id, which the controller resolves
    with pytest.raises(VCPSpecException, match="spec.disks takes nodes of a storage UnitGroup"):
        spec.disks = [3]
    spec.params_e = ("A=1",)  # a tuple is taken as a list
    assert spec.params_e == ["A=1"]


def test_helpers(sdk, tmp_path):
    spec = sdk.get_spec("sim", "small")
    key = tmp_path / "id.pub"
    key.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHelperTestHelperTestHelperTestHelperTest t@vcc\n")
    spec.set_ssh_pubkey(str(key))
    assert spec.ssh_public_key.startswith("ssh-ed25519 ")
    with pytest.raises(VCPSpecException, match="cannot read"):
        spec.set_ssh_pubkey(str(tmp_path / "missing.pub"))
    (tmp_path / "priv").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    with pytest.raises(VCPSpecException, match="not an SSH public key"):
        spec.set_ssh_pubkey(str(tmp_path / "priv"))
    spec.set_tag("course", "handson")
    spec.set_tag("year", 2025)
    assert spec.tags == {"course": "handson", "year": "2025"}
    printed = yaml.safe_load(str(spec))
    assert printed["provider"] == "sim" and printed["flavor"] == "small" and printed["spec"]["tags"]["year"] == "2025"


def test_unknown_provider_and_flavor(sdk):
    with pytest.raises(VCPNotFoundException, match=r"no provider \"aws_disk\" is installed \(installed: sim\)"):
        sdk.get_spec("aws_disk", "small")
    with pytest.raises(VCPNotFoundException, match=r"no flavor 'huge' \(flavors: large, medium, small\)"):
        sdk.get_spec("sim", "huge")


def test_controller_validates_before_creating(sdk, ugroup):
    spec = sdk.get_spec("sim", "small")
    spec.ip_addresses = ["10.208.0.1", "10.208.0.1"]
    with pytest.raises(VCPValidationException, match="bad fixed IP") as e:
        ugroup.create_unit("dup", spec)
    assert e.value.details[0][0] == "spec.ip_addresses[1]"
    assert ugroup.find_units() == []  # nothing was created
