"""A unit: scale it, power and watch its nodes, look them up."""

import logging

from . import tables
from .errors import VCPUnsupportedException
from .node import NodeList, VcpNodeClass
from .selector import choose, merge_addresses
from .unitwait import unit_path, wait_unit_applied, wait_unit_op

logger = logging.getLogger("vcp.sdk")


class VcpUnitClass:
    """A unit of a UnitGroup. ``operation_id`` is the change that made or
    last changed it through this object (None when nothing is pending)."""

    def __init__(self, ugroup, data):
        self._ug = ugroup
        self._data = data
        self.operation_id = None

    name = property(lambda self: self._data["name"])
    provider = property(lambda self: self._data["provider"])
    flavor = property(lambda self: self._data.get("flavor", ""))
    ugroup = property(lambda self: self._ug)

    @property
    def state(self):
        """The unit's state now (asked of the controller)."""
        return self._refresh()["state"]

    def _refresh(self, privileged=False):
        self._data = self._ug._sdk._api.call("GET", unit_path(self._ug.vcid, self.name), privileged=self._ug._p(privileged))
        return self._data

    def __str__(self):
        return f"unit name[{self.name}] provider[{self.provider}] state[{self._data['state']}] nodes({len(self._data.get('nodes') or [])})"

    __repr__ = __str__

    def find_nodes(self, node_id="", node_state="", node_no="", ip_addresses=None, ip_address=None, cloud_instance_id=None,
                   mapper=None, privileged=False):
        """The unit's nodes matching every condition given, by node_no."""
        return self._ug.find_nodes(unit_name=self.name, node_id=node_id, node_state=node_state, node_no=node_no,
                                   ip_addresses=ip_addresses, ip_address=ip_address, cloud_instance_id=cloud_instance_id,
                                   mapper=mapper, privileged=privileged)

    def find_ip_addresses(self, privileged=False, **conditions):
        return self.find_nodes(privileged=privileged, mapper=lambda n: n.cloud_instance_address, **conditions)

    def df_nodes(self, privileged=False):
        vc = self._ug._refresh(privileged)
        units = [u for u in vc.get("units") or [] if u["name"] == self.name]
        return tables.frame([r for u in units for r in tables.node_rows(vc, u)], tables.node_columns(vc), "df_nodes", "find_nodes()")

    def wait(self, timeout=None, privileged=False):
        """Wait until no change to this unit is in progress (e.g. after
        create_unit or add_nodes with wait_for=False, or a timeout)."""
        return wait_unit_applied(self._ug, self.name, timeout=timeout, privileged=self._ug._p(privileged))

    def add_nodes(self, num_add_nodes=1, ip_addresses=None, ip_address=None, mac_addresses=None, mac_address=None,
                  wait_for=True, verbose=0, privileged=False):
        """Add nodes, by count or one per fixed IP (which then sets the
        count); return the new nodes (a NodeList with operation_id)."""
        if mac_addresses or mac_address:
            raise VCPUnsupportedException("add_nodes: fixed MAC addresses are not supported by vcc when adding nodes; "
                                          "set spec.mac_addresses when creating the unit")
        ips = merge_addresses(ip_address, ip_addresses)
        body = {"ip_addresses": ips} if ips else {"num_add_nodes": num_add_nodes}
        p = self._ug._p(privileged)
        acc = self._ug._sdk._api.call("PUT", unit_path(self._ug.vcid, self.name), body, privileged=p)
        ids = [n["node_id"] for n in acc.get("nodes") or []]
        if wait_for:
            wait_unit_op(self._ug, self.name, acc["operation_id"], "add_nodes", p)
            logger.info("add_node completed.")
        data = self._refresh(privileged)
        out = NodeList(VcpNodeClass(n, self.name) for n in sorted(data["nodes"], key=lambda n: n["node_no"]) if n["node_id"] in ids)
        out.operation_id = acc["operation_id"]
        return out

    def _act(self, action, what, wait_for, privileged, params=None, **selector):
        """Run action on the chosen nodes in one batch; return the unit's
        nodes afterwards (a NodeList whose operation_id is the change)."""
        p = self._ug._p(privileged)
        picked = choose(self._refresh(privileged)["nodes"], action, **selector)
        op_id = None
        if not picked:
            logger.info("unit %s: no node to %s", self.name, what)
        else:
            body = {"node_ids": [n["node_id"] for n in picked]}
            acc = self._ug._sdk._api.call("PATCH", unit_path(self._ug.vcid, self.name) + "/" + action, body, params=params,
                                          privileged=p)
            op_id = (acc or {}).get("operation_id")
            if op_id and wait_for:
                wait_unit_op(self._ug, self.name, op_id, what, p)
            logger.info("%s: node(s) %s", what, ", ".join(str(n["node_no"]) for n in picked))
        nodes = NodeList(self.find_nodes(privileged=privileged))
        nodes.operation_id = op_id
        return nodes

    def delete_nodes(self, num_delete_nodes=None, node_no=None, cloud_instance_id=None, ip_addresses=None, ip_address=None,
                     wait_for=True, verbose=0, privileged=False, forget=False, force=False):
        """Delete the nodes selected (no selector: every node; the unit
        stays); return the unit's remaining nodes. forget=True drops nodes
        whose instances cannot be deleted (see delete_units); force=True
        deletes disks of a storage unit that compute nodes hold, detaching
        them first (refused otherwise, naming the holders)."""
        params = {k: "true" for k, on in (("forget", forget), ("force", force)) if on} or None
        return self._act("delete_nodes", "delete_nodes", wait_for, privileged, params=params, num=num_delete_nodes,
                         num_name="num_delete_nodes",
                         node_no=node_no, cloud_instance_id=cloud_instance_id, ip_addresses=ip_addresses, ip_address=ip_address)

    def power_on_nodes(self, num_power_on_nodes=None, node_no=None, cloud_instance_id=None, ip_addresses=None, ip_address=None,
                       wait_for=True, privileged=False, verbose=0):
        """Power on the nodes selected (no selector: every POWER_OFF node)."""
        return self._act("power_on", "power_on_nodes", wait_for, privileged, num=num_power_on_nodes, num_name="num_power_on_nodes",
                         node_no=node_no, cloud_instance_id=cloud_instance_id, ip_addresses=ip_addresses, ip_address=ip_address)

    def power_off_nodes(self, num_power_off_nodes=None, node_no=None, cloud_instance_id=None, ip_addresses=None, ip_address=None,
                        wait_for=True, privileged=False, verbose=0):
        """Power off the nodes selected (no selector: every RUNNING node)."""
        return self._act("power_off", "power_off_nodes", wait_for, privileged, num=num_power_off_nodes,
                         num_name="num_power_off_nodes", node_no=node_no, cloud_instance_id=cloud_instance_id,
                         ip_addresses=ip_addresses, ip_address=ip_address)

    def watch_nodes(self, num_watch_nodes=None, node_no=None, cloud_instance_id=None, ip_addresses=None, ip_address=None,
                    wait_for=True, privileged=False, verbose=0):
        """Resume the controller's monitoring of the nodes selected."""
        return self._act("watch", "watch_nodes", wait_for, privileged, num=num_watch_nodes, num_name="num_watch_nodes",
                         node_no=node_no, cloud_instance_id=cloud_instance_id, ip_addresses=ip_addresses, ip_address=ip_address)

    def unwatch_nodes(self, num_watch_nodes=None, node_no=None, cloud_instance_id=None, ip_addresses=None, ip_address=None,
                      privileged=False, verbose=0):
        """Stop the controller's monitoring of the nodes selected."""
        return self._act("unwatch", "unwatch_nodes", True, privileged, num=num_watch_nodes, num_name="num_watch_nodes",
                         node_no=node_no, cloud_instance_id=cloud_instance_id, ip_addresses=ip_addresses, ip_address=ip_address)

    def watch(self, wait_for=True):
        """Monitor every node of the unit."""
        self.watch_nodes(wait_for=wait_for)

    def unwatch(self):
        """Monitor no node of the unit."""
        self.unwatch_nodes()
