"""Waiting: returning at once with the operation, a timeout that keeps the
unit and says how to wait again, and a change that fails."""

import time

import pytest

from conftest import write_config
from vcpsdk.vcpsdk import VCPOperationException, VCPTimeoutException, VcpSDK


def slow_spec(sdk):
    spec = sdk.get_spec("sim", "small")
    spec.private_network = "slow"  # every cloud call takes 1.5 s
    return spec


def test_timeout_keeps_the_handle(tmp_path, host, alice, ugroup):
    d = write_config(tmp_path / "short", host, vcc_extra="  wait_timeout_sec: 1\n")
    sdk = VcpSDK(alice, config_dir=d)
    ug = sdk.get_ugroup(ugroup.name)
    start = time.monotonic()
    with pytest.raises(VCPTimeoutException) as e:
        ug.create_unit("slow", slow_spec(sdk))
    assert time.monotonic() - start < 5
    err = e.value
    assert err.unit is not None and err.unit.name == "slow" and err.operation_id
    assert f"wait_unit_applied('slow')" in str(err) and f"sdk.wait_operation('{err.operation_id}')" in str(err)
    assert err.unit.wait(timeout=60).state == "RUNNING"  # the handle waits again
    assert [n.state for n in ug.get_unit("slow").find_nodes()] == ["RUNNING"]


def test_wait_for_false_returns_at_once(sdk, ugroup):
    unit = ugroup.create_unit("later", slow_spec(sdk), wait_for=False)
    # Back before the node could run (its create and describe take 3 s).
    assert unit.operation_id and [n.state for n in unit.find_nodes()] == ["BOOTING"]
    # A new session that knows only the name finds what to wait for.
    again = sdk.get_ugroup(ugroup.name).wait_unit_applied("later")
    assert again.state == "RUNNING"


def test_failed_change(sdk, ugroup):
    spec = sdk.get_spec("sim", "small")
    spec.private_network = "broken"  # every cloud call fails
    with pytest.raises(VCPOperationException, match="create_unit of unit bad failed") as e:
        ugroup.create_unit("bad", spec)
    assert e.value.unit.state == "ERROR" and e.value.operation["state"] == "failed"
    assert any("failure_rate" in msg for _, msg in e.value.details)
    with pytest.raises(VCPOperationException, match=r"cleanup\(forget=True\)"):
        ugroup.cleanup()
    ugroup.cleanup(forget=True)
    assert sdk.get_ugroup(ugroup.name) is None
