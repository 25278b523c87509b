"""The df_* tables: upstream's columns, as pandas DataFrames. pandas is
optional; without it the df_* methods say what to install and which
method returns the same rows as plain objects."""

from .errors import VCPDependencyException

UGROUP_COLUMNS = ["vcno", "vctype", "owner", "vcname", "state", "vcid", "cdate"]
UNIT_COLUMNS = ["vctype", "vcno", "vcname", "vc_state", "vcid", "cdate", "unit_name", "unit_state"]
NODE_COLUMNS = ["vcno", "vcname", "unit_name", "unit_state", "node_no", "node_id", "node_state",
                "cloud_instance_address", "cloud_instance_id", "cloud_instance_name", "volumes"]
# A storage UnitGroup's nodes are disks: upstream's columns for them.
DISK_COLUMNS = ["vcno", "vcname", "unit_name", "unit_state", "disk_no", "disk_id", "node_state", "cloud_disk_id", "cloud_disk_size"]


def node_columns(vc):
    """The df_nodes columns of a UnitGroup: disks for a storage one."""
    return DISK_COLUMNS if vc.get("type") == "storage" else NODE_COLUMNS


def frame(rows, columns, method, instead):
    """A DataFrame of rows (dicts) with these columns."""
    try:
        import pandas as pd
    except ImportError:
        raise VCPDependencyException(
            f"{method} returns a pandas DataFrame, but pandas is not installed: "
            f"apt-get install python3-pandas (Debian, Ubuntu) or pip install pandas; without it, {instead} "
            "returns the same rows as objects") from None
    return pd.DataFrame(rows, columns=columns)


def cdate(iso):
    """Upstream's date form, 2022/09/27 15:32:57 UTC, of the controller's
    RFC 3339 UTC time."""
    if not iso or len(iso) < 19:
        return iso or ""
    return f"{iso[:10].replace('-', '/')} {iso[11:19]} UTC"


def ugroup_row(vc):
    return {"vcno": vc["vcno"], "vctype": vc["type"], "owner": vc["owner"], "vcname": vc["name"],
            "state": vc["state"], "vcid": vc["vcid"], "cdate": cdate(vc.get("created"))}


def unit_row(vc, unit):
    return {"vctype": vc["type"], "vcno": vc["vcno"], "vcname": vc["name"], "vc_state": vc["state"], "vcid": vc["vcid"],
            "cdate": cdate(unit.get("created")), "unit_name": unit["name"], "unit_state": unit["state"]}


def node_rows(vc, unit, disk_columns=True):
    """A unit's df_nodes rows: DISK_COLUMNS for a storage UnitGroup's
    (unless disk_columns is False: a table across UnitGroups)."""
    if disk_columns and vc.get("type") == "storage":
        return [{"vcno": vc["vcno"], "vcname": vc["name"], "unit_name": unit["name"], "unit_state": unit["state"],
                 "disk_no": n["node_no"], "disk_id": n["node_id"], "node_state": n["state"],
                 "cloud_disk_id": n.get("cloud_instance_id", ""), "cloud_disk_size": (n.get("disk") or {}).get("size_gb")}
                for n in sorted(unit.get("nodes") or [], key=lambda n: n["node_no"])]
    disks = (unit.get("spec") or {}).get("disks") or []
    volumes = ",".join(disks) if disks else "none"
    return [{"vcno": vc["vcno"], "vcname": vc["name"], "unit_name": unit["name"], "unit_state": unit["state"],
             "node_no": n["node_no"], "node_id": n["node_id"], "node_state": n["state"],
             "cloud_instance_address": n.get("cloud_instance_address", ""), "cloud_instance_id": n.get("cloud_instance_id", ""),
             "cloud_instance_name": n.get("cloud_instance_name", ""), "volumes": volumes}
            for n in sorted(unit.get("nodes") or [], key=lambda n: n["node_no"])]
