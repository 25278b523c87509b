"""A UnitGroup (a VC): its units, their nodes, and the changes to them."""

import logging
from urllib.parse import quote

from . import tables
from .errors import VCPNotFoundException, VCPSpecException
from .node import VcpNodeClass
from .selector import merge_addresses
from .spec import VcpSpec
from .unit import VcpUnitClass
from .unitwait import unit_path, wait_unit_applied, wait_unit_op
from .wait import Progress, follow

logger = logging.getLogger("vcp.sdk")


class VcpUnitGroupClass:
    """A UnitGroup. ``privileged`` is remembered when the group was found
    with privileged=True (a super user acting on another user's group)."""

    def __init__(self, sdk, vc, privileged=False):
        self._sdk = sdk
        self._vc = vc
        self._priv = privileged

    def _p(self, privileged):
        return bool(privileged or self._priv)

    vcid = property(lambda self: self._vc["vcid"])
    vcno = property(lambda self: self._vc["vcno"])
    owner = property(lambda self: self._vc["owner"])
    type = property(lambda self: self._vc["type"])
    ugroup_type = type

    @property
    def name(self):
        return self._vc["name"]

    @name.setter
    def name(self, value):
        self.update_ugroup_name(value)

    def update_ugroup_name(self, ugroup_name, ugroup_type=None, privileged=False):
        """Rename the group (PUT /vcs/{vcid}); its type cannot change, so
        ugroup_type, when given, must be the group's own."""
        body = {"name": ugroup_name}
        if ugroup_type is not None:
            body["ugroup_type"] = ugroup_type
        self._vc = self._sdk._api.call("PUT", "/vcs/" + quote(self.vcid, safe=""), body,
                                       privileged=self._p(privileged))
        return self

    @property
    def state(self):
        """The group's state now (asked of the controller)."""
        return self._refresh()["state"]

    def _refresh(self, privileged=False):
        self._vc = self._sdk._api.call("GET", "/vcs/" + quote(self.vcid, safe=""), privileged=self._p(privileged))
        return self._vc

    def _unit(self, data):
        return VcpUnitClass(self, data)

    def __str__(self):
        return (f"type[{self.type}] name[{self.name}] owner({self.owner}) vcno({self.vcno}) "
                f"state[{self._vc['state']}] vcid[{self.vcid}]")

    __repr__ = __str__

    def create_unit(self, unit_name, spec, wait_for=True, privileged=False, verbose=-1):
        """Create a unit of spec; with wait_for, return when its nodes run.
        With wait_for=False the unit returns at once; its
        ``operation_id`` is the change to wait for (unit.wait())."""
        if not isinstance(spec, VcpSpec):
            raise VCPSpecException(f"create_unit needs a spec from sdk.get_spec(provider, flavor), got {type(spec).__name__}")
        p = self._p(privileged)
        acc = self._sdk._api.call("POST", "/vcs/" + quote(self.vcid, safe=""), spec.request(unit_name), privileged=p)
        unit = self._unit(acc["unit"])
        unit.operation_id = acc["operation_id"]
        if not wait_for:
            return unit
        try:
            unit = wait_unit_op(self, unit_name, acc["operation_id"], "create_unit", p)
        except KeyboardInterrupt:
            logger.info("interrupted; unit %s is still being created: ugroup.wait_unit_applied(%r)", unit_name, unit_name)
            raise
        unit.operation_id = acc["operation_id"]
        return unit

    def delete_units(self, unit_name, wait_for=True, force=False, privileged=False, verbose=0, forget=False):
        """Delete a unit; one with nodes needs force=True (its nodes go
        too). forget=True drops nodes whose instances cannot be deleted
        (the operation lists them, to remove in the cloud by hand)."""
        p = self._p(privileged)
        params = {k: "true" for k, on in (("force", force), ("forget", forget)) if on}
        acc = self._sdk._api.call("DELETE", unit_path(self.vcid, unit_name), params=params, privileged=p)
        if wait_for and acc and acc.get("operation_id"):
            wait_unit_op(self, unit_name, acc["operation_id"], "delete_units", p)
            logger.info("delete_unit completed.")

    def get_unit(self, unit_name, privileged=False):
        """The unit named unit_name, or None."""
        try:
            return self._unit(self._sdk._api.call("GET", unit_path(self.vcid, unit_name), privileged=self._p(privileged)))
        except VCPNotFoundException:
            return None

    def find_units(self, unit_name="", privileged=False):
        """The group's units (only the one named unit_name when given)."""
        units = self._refresh(privileged).get("units") or []
        return [self._unit(u) for u in units if not unit_name or u["name"] == unit_name]

    def find_nodes(self, unit_name="", node_id="", node_state="", node_no="", ip_addresses=None, ip_address=None,
                   cloud_instance_id=None, mapper=None, privileged=False):
        """The nodes matching every condition given (ip_address and
        ip_addresses together are their union), by unit, then node_no."""
        ips = merge_addresses(ip_address, ip_addresses)
        out = []
        for u in self._refresh(privileged).get("units") or []:
            if unit_name and u["name"] != unit_name:
                continue
            for n in sorted(u["nodes"], key=lambda n: n["node_no"]):
                if ((not node_id or n["node_id"] == node_id) and (not node_state or n["state"] == node_state)
                        and (node_no in ("", None) or n["node_no"] == node_no)
                        and (not ips or n.get("cloud_instance_address") in ips)
                        and (cloud_instance_id is None or n.get("cloud_instance_id") == cloud_instance_id)):
                    node = VcpNodeClass(n, u["name"])
                    out.append(node if mapper is None else mapper(node))
        return out

    def find_ip_addresses(self, privileged=False, **conditions):
        """cloud_instance_address of the nodes find_nodes(**conditions) finds."""
        return self.find_nodes(privileged=privileged, mapper=lambda n: n.cloud_instance_address, **conditions)

    def df_units(self, privileged=False):
        vc = self._refresh(privileged)
        return tables.frame([tables.unit_row(vc, u) for u in vc.get("units") or []], tables.UNIT_COLUMNS, "df_units", "find_units()")

    def df_nodes(self, privileged=False):
        vc = self._refresh(privileged)
        rows = [r for u in vc.get("units") or [] for r in tables.node_rows(vc, u)]
        return tables.frame(rows, tables.node_columns(vc), "df_nodes", "find_nodes()")

    def wait_unit_applied(self, unit_name, timeout=None, privileged=False):
        """Wait until no change to the unit is in progress (also after a
        timeout or a lost handle); return the unit, None if it is gone."""
        return wait_unit_applied(self, unit_name, timeout=timeout, privileged=self._p(privileged))

    def cleanup(self, wait_for=True, privileged=False, forget=False, force=False):
        """Delete every unit and node, then the group itself. forget=True
        drops nodes whose instances cannot be deleted (see delete_units).
        A storage group whose disks compute nodes hold is refused, naming
        them, unless force=True, which detaches the disks first."""
        p = self._p(privileged)
        params = {k: "true" for k, on in (("forget", forget), ("force", force)) if on} or None
        acc = self._sdk._api.call("DELETE", "/vcs/" + quote(self.vcid, safe=""), params=params, privileged=p)
        op_id = acc.get("operation_id") if acc else None
        if op_id and wait_for:
            describe = (lambda elapsed: f"cleanup {self.name}: deleting, {elapsed:.0f}s")
            op = follow(self._sdk._api, op_id, self._sdk._cfg.wait_timeout_sec, Progress(self._sdk._progress), describe, p)
            self._sdk._finished(op, op_id, f"cleanup of {self.name}")
        if wait_for:
            logger.info("cleanup completed. vc %s is cleanup(no unit)", self.name)
        return op_id

    def change_owner(self, new_owner, privileged=False):
        """Give the group to user new_owner."""
        self._vc = self._sdk._api.call("PATCH", "/vcs/" + quote(self.vcid, safe=""), {"owner": new_owner},
                                       privileged=self._p(privileged))
