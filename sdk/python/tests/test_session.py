"""The session calls: token check, versions, authority, controller info,
catalog, flavors, look-ups that find nothing, privileged access, owners,
and the df_* tables with and without pandas."""

import os
import subprocess
import sys
from contextlib import redirect_stdout
from io import StringIO

import pytest
import yaml

from vcpsdk.vcpsdk import (VCPAuthException, VCPDependencyException, VCPNotFoundException, VCPValidationException,
                           VcpSDK)


def test_bad_tokens(config_dir):
    with pytest.raises(VCPAuthException, match="token is invalid, expired or revoked") as e:
        VcpSDK("vcc.0123456789abcdef.wrong", config_dir=config_dir)
    assert e.value.status == 401 and "config vc failed" in str(e.value)
    with pytest.raises(VCPAuthException, match="no token"):
        VcpSDK("", config_dir=config_dir)


# The templates' own check (ocs-templates: vcc_version.py), verbatim in
# what it does: capture version()'s output, parse it as YAML, compare.
def _vc_controller_version(vcp):
    with redirect_stdout(StringIO()) as f:
        vcp.version()
    return yaml.safe_load(f.getvalue())["vc_controller"]["vc_controller"]


def _version_to_tuple(version):
    return tuple(int(part) for part in version.split("+")[0].split("."))


def test_version_as_templates_parse_it(sdk):
    current = _vc_controller_version(sdk)
    assert isinstance(current, str) and _version_to_tuple(current) >= _version_to_tuple("25.04")
    d = sdk.version_dict()
    assert d["vc_controller"]["version"] == current and d["vc_controller"]["plugin"]["sim"]
    assert d["vc_controller"]["vcc_version"] and set(d) == {"vcplib", "vcpsdk", "vc_controller"}


def test_session_info(sdk, host):
    assert sdk.authority() == {"role": "fullaccess", "user_name": "alice", "user_role": "regular"}
    info = sdk.vcc_info()
    assert info["host"] == f"127.0.0.1:{host.port}" and info["vault_url"] == f"https://127.0.0.1:{host.port}"
    assert info["docker_registry"] == {"official": "127.0.0.1:5000", "user": "127.0.0.1:5001"}
    assert sdk.get_publickey().startswith("ssh-")
    cat = sdk.get_vpn_catalog()
    assert set(cat["sim"]) == {"default", "slow", "broken"}
    assert sdk.get_vpn_catalog("sim", "slow")["latency_ms"] == 1500
    with pytest.raises(VCPNotFoundException, match="providers: sim"):
        sdk.get_vpn_catalog("aws")
    with pytest.raises(VCPNotFoundException, match="entries: broken, default, slow"):
        sdk.get_vpn_catalog("sim", "tokyo")


def test_lookups_of_nothing(sdk, ugroup):
    assert sdk.get_ugroup("no-such-group") is None
    assert sdk.find_ugroups(ugroup_name="no-such-group") == []
    assert ugroup.get_unit("no-such-unit") is None
    assert ugroup.find_units("no-such-unit") == []
    assert ugroup.find_nodes(unit_name="no-such-unit") == []
    assert sdk.get_credential("sim/api_key") is None
    assert [g.name for g in sdk.find_ugroups(ugroup_type="compute", state="RUNNING", vcid=ugroup.vcid)] == [ugroup.name]
    with pytest.raises(VCPValidationException, match="not a VC state"):
        sdk.find_ugroups(state="running")


def test_storage_group_takes_disk_providers_only(sdk):
    """A storage UnitGroup holds disks: a unit of a compute provider is
    refused on provider, naming the disk providers, and nothing is made."""
    ug = sdk.create_ugroup("course_disk", ugroup_type="storage")
    try:
        assert ug.ugroup_type == "storage"
        with pytest.raises(VCPValidationException, match="not a disk provider") as e:
            ug.create_unit("vm", sdk.get_spec("sim", "small"))
        assert e.value.details[0][0] == "provider" and "disk provider" in e.value.details[0][1]
        assert ug.find_units() == []
    finally:
        ug.cleanup()


def test_privileged_and_owner(sdk, host, config_dir, ugroup):
    admin = VcpSDK(host.admin_token, config_dir=config_dir)
    assert admin.get_ugroup(ugroup.name) is None  # not his without privileged
    theirs = admin.get_ugroup(ugroup.name, privileged=True)
    assert theirs.vcid == ugroup.vcid and theirs.owner == "alice"
    with pytest.raises(VCPAuthException, match="privileged access is for super users") as e:
        sdk.find_ugroups(privileged=True)
    assert e.value.status == 403
    host.user_token("bob")
    theirs.change_owner("bob")
    assert sdk.get_ugroup(ugroup.name) is None
    assert admin.get_ugroup(ugroup.name, privileged=True).owner == "bob"
    theirs.cleanup()


def test_tables(sdk, ugroup):
    spec = sdk.get_spec("sim", "small")
    spec.num_nodes = 2
    ugroup.create_unit("t", spec)
    ug = sdk.df_ugroups()
    assert list(ug.columns) == ["vcno", "vctype", "owner", "vcname", "state", "vcid", "cdate"]
    row = ug[ug["vcid"] == ugroup.vcid].iloc[0]
    assert row["vctype"] == "compute" and row["cdate"].endswith(" UTC") and row["cdate"][4] == "/"
    assert list(ugroup.df_units()["unit_state"]) == ["RUNNING"]
    nodes = sdk.df_nodes()
    assert list(nodes[nodes["vcname"] == ugroup.name]["node_state"]) == ["RUNNING", "RUNNING"]
    fl = sdk.df_flavors("sim")
    assert list(fl["flavor"]) == ["large", "medium", "small"] and list(fl["instance_type"])[2] == "sim.small"


def test_tables_without_pandas(config_dir, alice):
    """pandas is optional: without it df_* say what to install (a child
    interpreter in which pandas cannot be imported)."""
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "from vcpsdk.vcpsdk import VcpSDK, VCPDependencyException\n"
        f"sdk = VcpSDK({alice!r}, config_dir={config_dir!r})\n"
        "try:\n    sdk.df_ugroups()\nexcept VCPDependencyException as e:\n    print(e)\n"
        "print(len(sdk.find_ugroups()) >= 0)\n"
    )
    pkg = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=pkg))
    assert "apt-get install python3-pandas" in out.stdout and "find_ugroups()" in out.stdout, out.stderr
    assert out.stdout.strip().endswith("True")
    assert issubclass(VCPDependencyException, ImportError)

