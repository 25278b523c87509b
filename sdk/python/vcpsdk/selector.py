"""Which nodes delete_nodes, power_on_nodes, power_off_nodes, watch_nodes
and unwatch_nodes act on.

The selectors are upstream's (a count, node_no, cloud_instance_id,
ip_address(es)), with two differences. Several may be given at once and
node_no and cloud_instance_id may be lists (upstream allowed one
selector and acted node by node): named nodes are their union, acted on
in one batch. With no selector the call acts on every node that can
take the action (all POWER_OFF nodes for power on, all RUNNING ones for
power off, all nodes for delete); upstream acted on one node. A count
picks that many of those, lowest node_no first.
"""

from .errors import VCPException, VCPNotFoundException

# The nodes an action picks when no node is named.
ELIGIBLE = {
    "power_on": lambda n: n["state"] == "POWER_OFF",
    "power_off": lambda n: n["state"] == "RUNNING",
    "delete_nodes": lambda n: n["state"] != "DELETING",
    "watch": lambda n: not n.get("watched", True),
    "unwatch": lambda n: n.get("watched", True),
}


def _as_list(value, kind, name):
    items = value if isinstance(value, (list, tuple, set)) else [value]
    for v in items:
        if not isinstance(v, kind) or isinstance(v, bool):
            raise VCPException(f"{name} must be a {kind.__name__} or a list of them, got {value!r}")
    return list(items)


def merge_addresses(one, many):
    """ip_address and ip_addresses together (their union), as upstream."""
    out = [] if many is None else _as_list(many, str, "ip_addresses")
    if one is not None:
        out += _as_list(one, str, "ip_address")
    return list(dict.fromkeys(out))


def choose(nodes, action, num=None, num_name="num", node_no=None, cloud_instance_id=None, ip_addresses=None, ip_address=None):
    """The nodes (API dicts, by node_no) the call acts on."""
    nodes = sorted(nodes, key=lambda n: n["node_no"])
    nos = [] if node_no in (None, "") else _as_list(node_no, int, "node_no")
    ids = [] if cloud_instance_id is None else _as_list(cloud_instance_id, str, "cloud_instance_id")
    ips = merge_addresses(ip_address, ip_addresses)
    named = nos or ids or ips
    if num is not None:
        if named:
            raise VCPException(f"give {num_name} alone: it picks among the nodes that can take the action, "
                               "while node_no, cloud_instance_id and ip_address(es) name the nodes themselves")
        if not isinstance(num, int) or isinstance(num, bool) or not 1 <= num <= len(nodes):
            raise VCPException(f"{num_name} must be an integer from 1 to the unit's {len(nodes)} nodes, got {num!r}")
    if not named:
        eligible = [n for n in nodes if ELIGIBLE[action](n)]
        return eligible[:num] if num is not None else eligible
    picked, missing = {}, []
    for want, key, label in ((nos, "node_no", "node_no"), (ids, "cloud_instance_id", "cloud_instance_id"),
                             (ips, "cloud_instance_address", "ip_address")):
        for w in want:
            hits = [n for n in nodes if n.get(key) == w]
            if not hits:
                missing.append(f"{label} {w}")
            for n in hits:
                picked[n["node_id"]] = n
    if missing:
        have = ", ".join(f"{n['node_no']} ({n.get('cloud_instance_address') or 'no address'})" for n in nodes) or "none"
        raise VCPNotFoundException(f"the unit has no node with {', '.join(missing)}; its nodes: {have}")
    return sorted(picked.values(), key=lambda n: n["node_no"])
