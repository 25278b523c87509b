"""Every selector of delete_nodes, power_on_nodes, power_off_nodes,
watch_nodes and unwatch_nodes, and the errors of wrong selections."""

import pytest

from vcpsdk.vcpsdk import VCPException, VCPNotFoundException, VCPStateConflictException


def states(unit):
    return {n.no: n.state for n in unit.find_nodes()}


@pytest.fixture
def unit5(sdk, ugroup):
    spec = sdk.get_spec("sim", "small")
    spec.num_nodes = 5
    return ugroup.create_unit("five", spec)


def test_power_selectors(unit5, sdk):
    nodes = {n.no: n for n in unit5.find_nodes()}
    unit5.power_off_nodes(num_power_off_nodes=2)  # the lowest node_no first
    assert states(unit5) == {1: "POWER_OFF", 2: "POWER_OFF", 3: "RUNNING", 4: "RUNNING", 5: "RUNNING"}
    unit5.power_off_nodes(ip_addresses=[nodes[3].cloud_instance_address])
    unit5.power_off_nodes(cloud_instance_id=nodes[4].cloud_instance_id)
    assert states(unit5)[3] == states(unit5)[4] == "POWER_OFF"

    unit5.power_on_nodes(num_power_on_nodes=1)  # among the POWER_OFF ones
    assert states(unit5)[1] == "RUNNING"
    unit5.power_on_nodes(node_no=[2, 3])  # several at once, one operation
    assert [s for no, s in sorted(states(unit5).items())] == ["RUNNING", "RUNNING", "RUNNING", "POWER_OFF", "RUNNING"]
    unit5.power_on_nodes(ip_address=nodes[4].cloud_instance_address)
    assert set(states(unit5).values()) == {"RUNNING"}
    assert [n.no for n in unit5.power_on_nodes()] == [1, 2, 3, 4, 5]  # nothing POWER_OFF: nothing to do

    # no selector: every RUNNING node, in one operation, waited on later
    off = unit5.power_off_nodes(wait_for=False)
    assert off.operation_id
    assert sdk.wait_operation(off.operation_id)["state"] == "succeeded"
    assert set(states(unit5).values()) == {"POWER_OFF"}
    unit5.power_on_nodes()
    assert set(states(unit5).values()) == {"RUNNING"}


def test_state_conflict(unit5):
    unit5.power_off_nodes(node_no=1)
    with pytest.raises(VCPStateConflictException, match="power_off refused, nothing changed") as e:
        unit5.power_off_nodes(node_no=[1, 2])  # node 1 is off already
    assert e.value.status == 409 and "node 1" in str(e.value)
    assert states(unit5) == {1: "POWER_OFF", 2: "RUNNING", 3: "RUNNING", 4: "RUNNING", 5: "RUNNING"}


def test_watch_selectors(unit5):
    unit5.unwatch_nodes(node_no=5)
    assert {n.no: n.watched for n in unit5.find_nodes()}[5] is False
    unit5.unwatch()
    assert not any(n.watched for n in unit5.find_nodes())
    unit5.watch_nodes(num_watch_nodes=2)
    assert [n.watched for n in unit5.find_nodes()] == [True, True, False, False, False]
    unit5.watch()
    assert all(n.watched for n in unit5.find_nodes())


def test_delete_selectors(unit5):
    nodes = {n.no: n for n in unit5.find_nodes()}
    assert [n.no for n in unit5.delete_nodes(num_delete_nodes=1)] == [2, 3, 4, 5]
    assert [n.no for n in unit5.delete_nodes(node_no=2)] == [3, 4, 5]
    assert [n.no for n in unit5.delete_nodes(cloud_instance_id=nodes[3].cloud_instance_id)] == [4, 5]
    assert [n.no for n in unit5.delete_nodes(ip_addresses=[nodes[4].cloud_instance_address])] == [5]
    assert unit5.delete_nodes() == []  # no selector: every node; the unit stays
    assert unit5.state == "RUNNING" and unit5.find_nodes() == []


def test_bad_selections(unit5):
    with pytest.raises(VCPException, match="give num_delete_nodes alone"):
        unit5.delete_nodes(num_delete_nodes=1, node_no=2)
    with pytest.raises(VCPException, match="from 1 to the unit's 5 nodes"):
        unit5.power_off_nodes(num_power_off_nodes=6)
    with pytest.raises(VCPNotFoundException, match="node_no 9"):
        unit5.delete_nodes(node_no=9)
    with pytest.raises(VCPNotFoundException, match="ip_address 192.0.2.1"):
        unit5.power_off_nodes(ip_address="192.0.2.1")
    with pytest.raises(VCPException, match="node_no must be a int"):
        unit5.delete_nodes(node_no="2")
    assert len(unit5.find_nodes()) == 5 and set(states(unit5).values()) == {"RUNNING"}


def test_add_nodes(unit5):
    new = unit5.add_nodes(num_add_nodes=2, wait_for=False)
    assert [n.no for n in new] == [6, 7] and new.operation_id
    assert unit5.wait().state == "RUNNING"
    assert states(unit5)[7] == "RUNNING"
    with pytest.raises(VCPException, match="spec.mac_addresses"):
        unit5.add_nodes(mac_address="02:00:00:00:00:01")
