"""The storage flow of upstream's notebooks, against a real vcc-host with
aws and aws_disk on moto (EBS volumes): a storage UnitGroup of disks,
attached to a compute unit with spec.disks = ug_disk.find_nodes()."""

import os
import shutil
import socket
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest
import requests

from hostproc import Host

from vcpsdk.vcpsdk import VcpSDK
from vcpsdk.errors import VCPStateConflictException, VCPValidationException



class Moto:
    """moto_server on a free port: EC2's Query API, no signatures."""

    def __init__(self):
        binary = shutil.which("moto_server")
        if not binary:
            if os.environ.get("CI") == "true":
                raise RuntimeError("moto_server is missing (scripts/test-deps.sh installs it)")
            pytest.skip("moto_server is not installed")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([binary, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(self.url + "/moto-api/", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not answer within 20 s") from None
                time.sleep(0.1)
        self.subnet, self.cidr = self.first("DescribeSubnets", "subnetSet", "subnetId", "cidrBlock")
        self.group, = self.first("DescribeSecurityGroups", "securityGroupInfo", "groupId")
        self.image, = self.first("DescribeImages", "imagesSet", "imageId")

    def call(self, action, **params):
        # moto routes by the SigV4 credential scope; it checks no signature.
        auth = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0"
        r = requests.post(self.url + "/", data=dict(Action=action, Version="2016-11-15", **params), headers={"Authorization": auth}, timeout=30)
        r.raise_for_status()
        root = ET.fromstring(r.content)
        for el in root.iter():
            el.tag = el.tag.rsplit("}", 1)[-1]
        return root

    def first(self, action, set_name, *fields):
        item = self.call(action).find(f"{set_name}/item")
        return tuple(item.findtext(f) for f in fields)

    def volumes(self):
        """Volume id -> the instance it is attached to ("" if none), for
        the volumes vcc made (tagged with the controller id)."""
        out = {}
        for v in self.call("DescribeVolumes").findall("volumeSet/item"):
            tags = [t.findtext("key") for t in v.findall("tagSet/item")]
            vid = v.findtext("volumeId")
            if vid and "vcc:controller_id" in tags:
                att = v.find("attachmentSet/item")
                device = att.findtext("device") if att is not None else ""
                if device in ("/dev/sda1", "/dev/xvda"):
                    continue  # an instance's root volume
                out[vid] = att.findtext("instanceId") if att is not None else ""
        return out

    def stop(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture(scope="module")
def moto():
    m = Moto()
    yield m
    m.stop()


@pytest.fixture(scope="module")
def aws_host(moto):
    entry = (f"    aws_region: us-east-1\n    aws_vpc_subnet_id: {moto.subnet}\n    aws_vpc_security_group_id: {moto.group}\n"
             f"    private_network_ipmask: {moto.cidr}\n    aws_endpoint_url: {moto.url}\n")
    catalog = f"cci_version: '1.0'\naws:\n  default:\n{entry}aws_disk:\n  default:\n{entry}"
    # moto runs no Base container: liveness off, a node runs when its instance does.
    h = Host(plugins=("vcc-provider-aws", "vcc-provider-aws-disk"), catalog=catalog, args=("--serf-listen", "off"))
    yield h
    h.stop()


@pytest.fixture
def aws_sdk(tmp_path, aws_host):
    from conftest import write_config
    sdk = VcpSDK(aws_host.user_token("alice"), config_dir=write_config(tmp_path / "vcp_config", aws_host))
    sdk.post_credential("aws/access_key", "testing")  # aws_disk and aws use the aws keys
    sdk.post_credential("aws/secret_key", "testing")
    return sdk


def test_storage_flow(aws_sdk, moto):
    sdk = aws_sdk
    ug_disk = sdk.create_ugroup("course_disk", ugroup_type="storage")
    spec = sdk.get_spec("aws_disk", "small")
    spec.size = 10
    spec.num_disks = 2
    ug_disk.create_unit("nfs", spec)
    disks = ug_disk.find_nodes()
    assert [d.state for d in disks] == ["RUNNING", "RUNNING"]
    assert all(d.cloud_disk_id.startswith("vol-") and d.cloud_disk_size == 10 and d.attached_to is None for d in disks)
    table = ug_disk.df_nodes()
    assert list(table.columns) == ["vcno", "vcname", "unit_name", "unit_state", "disk_no", "disk_id", "node_state", "cloud_disk_id", "cloud_disk_size"]
    assert list(table.cloud_disk_size) == [10, 10]

    with pytest.raises(VCPValidationException, match="storage unit"):
        ug_disk.find_units()[0].power_off_nodes()

    ug = sdk.create_ugroup("course")
    cspec = sdk.get_spec("aws", "small")
    cspec.cloud_image = moto.image
    cspec.disks = ug_disk.find_nodes()
    unit = ug.create_unit("nfsserver", cspec)
    node = unit.find_nodes()[0]
    assert node.state == "RUNNING"
    assert [d["node_id"] for d in node.disks] == [d.node_id for d in disks]
    assert all(d["device"].startswith("/dev/sd") for d in node.disks)  # what params_e can pass on
    assert {moto.volumes()[d.cloud_disk_id] for d in disks} == {node.cloud_instance_id}
    assert {d.attached_to["node_id"] for d in ug_disk.find_nodes()} == {node.node_id}
    assert "vol-" in ug.df_nodes().volumes[0]

    # A disk is held by one node; held disks are not deleted.
    other = sdk.get_spec("aws", "small")
    other.cloud_image = moto.image
    other.disks = ug_disk.find_nodes()[:1]
    with pytest.raises(VCPStateConflictException, match="is attached to node 1"):
        ug.create_unit("second", other)
    with pytest.raises(VCPStateConflictException, match="force=true"):
        ug_disk.cleanup()

    ug.cleanup()
    assert set(moto.volumes().values()) == {""}  # the disks outlive their node, detached
    assert all(d.attached_to is None for d in ug_disk.find_nodes())
    ug_disk.cleanup()
    assert moto.volumes() == {}
