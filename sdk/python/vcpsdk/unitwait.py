"""Waiting for a unit's operations, with its progress (nodes RUNNING of
all, elapsed time) and exceptions that keep the handles: a timeout names
the operation and carries the unit, and says how to wait again."""

import time
from collections import Counter
from urllib.parse import quote

from .errors import VCPNotFoundException, VCPOperationException, VCPTimeoutException
from .wait import Progress, failure, follow


def unit_path(vcid, unit_name):
    return f"/vcs/{quote(vcid, safe='')}/{quote(unit_name, safe='')}"


def describe_unit(api, vcid, unit_name, what, privileged):
    """A function of the elapsed time giving the unit's progress line."""
    def describe(elapsed):
        try:
            u = api.call("GET", unit_path(vcid, unit_name), privileged=privileged)
        except VCPNotFoundException:
            return f"{what} {unit_name}: unit gone, {elapsed:.0f}s"
        states = Counter(n["state"] for n in u["nodes"])
        running = states.pop("RUNNING", 0)
        others = "".join(f", {c} {s}" for s, c in sorted(states.items()))
        return f"{what} {unit_name}: {running}/{len(u['nodes'])} nodes RUNNING{others} (unit {u['state']}), {elapsed:.0f}s"
    return describe


def wait_unit_op(ug, unit_name, op_id, what, privileged, timeout=None):
    """Wait for operation op_id on the unit; return the unit afterwards
    (a VcpUnitClass, None when it is gone). A failed operation raises
    VCPOperationException, a timeout VCPTimeoutException."""
    sdk = ug._sdk
    timeout = sdk._cfg.wait_timeout_sec if timeout is None else timeout
    progress = Progress(enabled=sdk._progress)
    op = follow(sdk._api, op_id, timeout, progress, describe_unit(sdk._api, ug.vcid, unit_name, what, privileged), privileged)
    unit = ug.get_unit(unit_name, privileged=privileged)
    if op is None:
        raise VCPTimeoutException(
            f"{what} of unit {unit_name} is not done after {timeout:.0f}s; nothing was cancelled, operation {op_id} goes on. "
            f"Wait again with ugroup.wait_unit_applied('{unit_name}') or sdk.wait_operation('{op_id}'); "
            "this exception's .unit is the unit", operation_id=op_id, unit=unit)
    if op["state"] == "failed":
        reasons = [f"node {n.no}: {n.state_reason}" for n in (unit.find_nodes() if unit else []) if n.state_reason][:5]
        raise VCPOperationException(failure(f"{what} of unit {unit_name}", op), operation=op, unit=unit,
                                    details=[("", r) for r in reasons])
    return unit


def wait_unit_applied(ug, unit_name, timeout=None, privileged=False):
    """Wait until no operation changes the unit; return it (None when it
    is gone). A unit left in ERROR raises VCPOperationException."""
    sdk = ug._sdk
    timeout = sdk._cfg.wait_timeout_sec if timeout is None else timeout
    deadline = time.monotonic() + timeout
    while True:
        try:
            data = sdk._api.call("GET", unit_path(ug.vcid, unit_name), privileged=privileged)
        except VCPNotFoundException:
            return None
        ops = data.get("operations") or []
        if not ops:
            unit = ug._unit(data)
            if data["state"] == "ERROR":
                raise VCPOperationException(f"unit {unit_name} is in ERROR: {data.get('last_error', '')}", unit=unit)
            return unit
        wait_unit_op(ug, unit_name, ops[0], "wait", privileged, timeout=max(0.0, deadline - time.monotonic()))
