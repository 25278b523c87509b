"""The minimal end-to-end session of upstream's notebooks (the digest's
appendix A), with sim instead of aws, unchanged otherwise."""

import pytest

from vcpsdk.vcpsdk import VCPNotFoundException, VCPStateConflictException


def test_appendix_a(sdk, tmp_path, capsys):
    pub = tmp_path / "id_rsa.pub"
    pub.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFlowTestKeyFlowTestKeyFlowTestKeyFlow pytest@vcc\n")

    sdk.version()
    assert "vc_controller:" in capsys.readouterr().out
    assert sdk.authority()["user_name"] == "alice"
    assert "handson101" not in list(sdk.df_ugroups()["vcname"])

    ug = sdk.create_ugroup("handson101")
    assert ug.state == "RUNNING" and ug.owner == "alice" and ug.find_units() == []
    with pytest.raises(VCPStateConflictException, match="already has a VC named"):
        sdk.create_ugroup("handson101")
    other = sdk.create_ugroup("handson101-tmp")
    other.update_ugroup_name("handson101-renamed", "compute")
    assert other.name == "handson101-renamed" and sdk.get_ugroup("handson101-renamed").vcid == other.vcid
    with pytest.raises(VCPStateConflictException, match="already has a VC named"):
        other.name = "handson101"
    other.cleanup()

    spec = sdk.get_spec("sim", "small")
    spec.volume_size = 15
    spec.num_nodes = 1
    spec.set_ssh_pubkey(str(pub))
    unit = ug.create_unit("sim-server", spec)
    assert unit.state == "RUNNING"
    assert [n.state for n in unit.find_nodes()] == ["RUNNING"]

    ip = ug.find_ip_addresses(node_state="RUNNING")[0]
    assert ip.startswith("10.208.")

    added = unit.add_nodes(num_add_nodes=3)
    assert [n.no for n in added] == [2, 3, 4] and {n.state for n in added} == {"RUNNING"}

    left = unit.delete_nodes(ip_address=ip)
    assert [n.no for n in left] == [2, 3, 4] and ip not in [n.cloud_instance_address for n in left]

    unit.power_off_nodes()
    assert {n.state for n in unit.find_nodes()} == {"POWER_OFF"}
    unit.power_on_nodes(node_no=2)
    assert {n.no: n.state for n in unit.find_nodes()} == {2: "RUNNING", 3: "POWER_OFF", 4: "POWER_OFF"}

    df = ug.df_nodes()
    assert list(df["node_no"]) == [2, 3, 4] and list(df["unit_name"]) == ["sim-server"] * 3
    assert set(df["volumes"]) == {"none"}

    with pytest.raises(VCPStateConflictException, match="force"):
        ug.delete_units("sim-server")
    ug.delete_units("sim-server", force=True)
    assert ug.get_unit("sim-server") is None

    ug.cleanup()
    assert sdk.get_ugroup("handson101") is None
    with pytest.raises(VCPNotFoundException):
        ug.find_units()


def test_spec_reaches_the_nodes(ugroup, sdk):
    """What a notebook sets on the spec is what the unit was made with:
    the flavor, the changed fields, the lists it appended to."""
    spec = sdk.get_spec("sim", "medium")
    spec.params_e.append("NFS_AUTOSTART=true")
    spec.params_v += ["/export:/export"]
    spec.set_tag("course", "handson")
    spec.num_nodes = 2
    unit = ugroup.create_unit("web", spec)
    got = sdk._api.call("GET", f"/vcs/{ugroup.vcid}/web")["spec"]
    assert got["instance_type"] == "sim.medium" and got["volume_size"] == 40
    assert got["params_e"] == ["NFS_AUTOSTART=true"] and got["params_v"] == ["/export:/export"]
    assert got["tags"] == {"course": "handson"} and len(unit.find_nodes()) == 2
