"""A node of a unit, as the controller last reported it."""


class VcpNodeClass:
    """One node: ``no``, ``state``, ``node_id`` (``id``), and the cloud
    instance's ``cloud_instance_id``, ``cloud_instance_address`` and
    ``cloud_instance_name``. A snapshot: find_nodes() again for news."""

    def __init__(self, data, unit_name=""):
        self._data = data
        self.unit_name = unit_name

    no = property(lambda self: self._data["node_no"])
    node_no = no
    state = property(lambda self: self._data["state"])
    node_id = property(lambda self: self._data["node_id"])
    id = node_id
    cloud_instance_id = property(lambda self: self._data.get("cloud_instance_id", ""))
    cloud_instance_address = property(lambda self: self._data.get("cloud_instance_address", ""))
    cloud_instance_name = property(lambda self: self._data.get("cloud_instance_name", ""))
    fixed_ip = property(lambda self: self._data.get("fixed_ip", ""))
    state_reason = property(lambda self: self._data.get("state_reason", ""))
    error_source = property(lambda self: self._data.get("error_source", ""))
    watched = property(lambda self: self._data.get("watched", True))
    # A storage UnitGroup's node is a disk: its volume id, size, zone and
    # the compute node holding it (None when available).
    is_disk = property(lambda self: "disk" in self._data)
    cloud_disk_id = property(lambda self: self._data.get("cloud_instance_id", "") if self.is_disk else "")
    cloud_disk_size = property(lambda self: (self._data.get("disk") or {}).get("size_gb"))
    zone = property(lambda self: (self._data.get("disk") or {}).get("zone", ""))
    attached_to = property(lambda self: (self._data.get("disk") or {}).get("attached_to"))
    # A compute node's disks: dicts with node_id (the disk node),
    # cloud_disk_id and device (the path inside the node, e.g. /dev/sdf).
    disks = property(lambda self: list(self._data.get("disks") or []))

    def to_dict(self):
        return dict(self._data, unit_name=self.unit_name)

    def __str__(self):
        if self.is_disk:
            held = self.attached_to
            s = (f"no({self.no}) state[{self.state}] id[{self.node_id}] cloud_disk_id[{self.cloud_disk_id}] "
                 f"cloud_disk_size[{self.cloud_disk_size}] attached_to[{held['node_id'] if held else 'none'}]")
            return s + (f" reason[{self.state_reason}]" if self.state_reason else "")
        s = (f"no({self.no}) state[{self.state}] id[{self.node_id}] "
             f"cloud_instance_address[{self.cloud_instance_address}] cloud_instance_id[{self.cloud_instance_id}]")
        if self.state_reason:
            s += f" reason[{self.state_reason}]"
        return s

    __repr__ = __str__


class NodeList(list):
    """A list of nodes that also carries the operation that changes them
    (``operation_id``; None when nothing had to change), so a call with
    wait_for=False can be waited on later: sdk.wait_operation(id)."""

    operation_id = None
