"""Spec objects: a unit's parameters, built from what the controller says
of the provider (GET /providers/{name}: fields, types, defaults, allowed
values) and its flavors, so there is no per-provider table here.

As upstream, a notebook gets one from ``sdk.get_spec(provider, flavor)``
and sets attributes one by one. Unlike upstream, an attribute the
provider does not have, or a value of the wrong type, raises at once
with the allowed names; upstream printed a warning and went on.
"""

import base64
import copy
import difflib
import os

import yaml

from .errors import VCPSpecException

_TYPES = {
    "string": "a string",
    "int": "an integer",
    "number": "a number",
    "bool": "True or False",
    "list(string)": "a list of strings",
    "map(string)": "a dict of strings to strings",
}


def _typed(attr, value):
    """value checked (and tuples made lists) against attr, or None when
    it does not fit."""
    t = attr["type"]
    if t == "string" and isinstance(value, str):
        return value
    if t == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if t == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if t == "bool" and isinstance(value, bool):
        return value
    if t == "list(string)" and isinstance(value, (list, tuple)) and all(isinstance(x, str) for x in value):
        return list(value)
    if t == "map(string)" and isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return dict(value)
    return None


def _disk_ref(v):
    """A spec.disks entry: a storage unit's node (as find_nodes() returns
    it) becomes its node id, which the controller resolves; a string (a
    node id or a cloud volume id) stays as it is."""
    if isinstance(v, str):
        return v
    node_id = getattr(v, "node_id", None)
    if isinstance(node_id, str) and node_id:
        return node_id
    raise VCPSpecException(f"spec.disks takes nodes of a storage UnitGroup (ug_disk.find_nodes()) or cloud volume ids, got {v!r}")


class VcpSpec:
    """The spec of a unit on one provider. Attributes are the provider's
    spec fields; lists and dicts start empty, so ``spec.params_e.append``
    works without assigning first."""

    unit_type = "compute"

    def __init__(self, info, flavor, server_flavor, local_flavor, defaults, credentials):
        """info: GET /providers/{name}; server_flavor: the controller's
        values of flavor ({} when it has none of that name); local_flavor:
        vcp_flavor.yml's values (None when it has none); defaults: values
        from vcp_config.yml; credentials: key -> vault:// reference."""
        schema = {a["name"]: a for a in info["spec_schema"]}
        baseline = {name: a.get("default") for name, a in schema.items()}
        baseline.update(server_flavor)
        values = copy.deepcopy(baseline)
        values.update(copy.deepcopy(local_flavor or {}))
        values.update(copy.deepcopy(defaults))
        s = object.__setattr__
        s(self, "_provider", info["name"])
        s(self, "_flavor", flavor)
        # The controller lays its own flavor under the spec; a flavor only
        # vcp_flavor.yml knows travels as plain fields.
        s(self, "_send_flavor", flavor if flavor in info["flavors"] else None)
        s(self, "_schema", schema)
        s(self, "_baseline", baseline)
        s(self, "_values", values)
        s(self, "_credentials", dict(credentials))

    @property
    def provider(self):
        return self._provider

    @property
    def flavor(self):
        return self._flavor

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        attr = self._schema.get(name)
        if attr is None:
            raise self._unknown(name)
        value = self._values.get(name)
        if value is None and attr["type"] in ("list(string)", "map(string)"):
            value = [] if attr["type"] == "list(string)" else {}
            self._values[name] = value
        return value

    def __setattr__(self, name, value):
        if name.startswith("_") or name in ("unit_type",):
            raise VCPSpecException(f"{name} is not a spec field")
        attr = self._schema.get(name)
        if attr is None:
            raise self._unknown(name)
        if value is None:  # back to the flavor's or default value
            self._values[name] = copy.deepcopy(self._baseline.get(name))
            return
        if name == "disks" and isinstance(value, (list, tuple)):
            value = [_disk_ref(v) for v in value]
        typed = _typed(attr, value)
        if typed is None:
            raise VCPSpecException(f"{self._provider} spec.{name} must be {_TYPES.get(attr['type'], attr['type'])}, got {value!r}")
        allowed = attr.get("allowed_values")
        if allowed and attr["type"] == "string" and typed not in allowed:
            raise VCPSpecException(f"{self._provider} spec.{name} must be one of {', '.join(allowed)}; got {typed!r}")
        self._values[name] = typed

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._schema))

    def _unknown(self, name):
        names = sorted(self._schema)
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return VCPSpecException(f"provider {self._provider} has no spec attribute {name!r}{hint}; its attributes: {', '.join(names)}")

    def set_ssh_pubkey(self, path):
        """Authorise the public key in file path in the Base container."""
        full = os.path.expanduser(path)
        try:
            with open(full, encoding="utf-8") as f:
                key = f.read().strip()
        except OSError as e:
            raise VCPSpecException(f"set_ssh_pubkey: cannot read {full}: {e.strerror} (make a key pair with ssh-keygen)") from None
        if not key.startswith(("ssh-", "ecdsa-", "sk-")):
            raise VCPSpecException(f"set_ssh_pubkey: {full} is not an SSH public key (want a line such as 'ssh-ed25519 AAAA...')")
        if "ssh_public_key" in self._schema:
            old = self._values.get("ssh_public_key")
            self._values["ssh_public_key"] = f"{old}\n{key}" if old and key not in old else key
        else:  # upstream's way: the Base container reads AUTHORIZED_KEYS
            self.params_e.append("AUTHORIZED_KEYS=" + base64.b64encode(key.encode()).decode())

    def set_tag(self, key, value):
        """Set the cloud tag key to value."""
        if not isinstance(key, str) or not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise VCPSpecException(f"set_tag: the key must be a string and the value a string or number, got {key!r}: {value!r}")
        self.tags[key] = str(value)

    def fields(self):
        """The spec fields to send: those that differ from what the
        controller lays under them (its defaults and flavor)."""
        out = {}
        for name, value in self._values.items():
            base = self._baseline.get(name)
            if value == base or (base is None and value in ([], {})):
                continue
            out[name] = value
        return out

    def request(self, unit_name):
        """The body of POST /vcs/{vcid} creating unit_name with this spec."""
        body = {"unit_name": unit_name, "provider": self._provider, "spec": self.fields()}
        if self._send_flavor:
            body["flavor"] = self._send_flavor
        if self._credentials:
            body["credentials"] = dict(self._credentials)
        return body

    def to_dict(self):
        """Every field with a value, in the provider's order."""
        return {n: copy.deepcopy(v) for n, v in ((n, self._values.get(n)) for n in self._schema) if v is not None}

    def __str__(self):
        doc = {"provider": self._provider, "flavor": self._flavor, "spec": self.to_dict()}
        if self._credentials:
            doc["credentials"] = self._credentials  # references only, never values
        return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, allow_unicode=True).rstrip()

    __repr__ = __str__
