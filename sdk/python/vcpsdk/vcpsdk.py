"""The VCP SDK for vcc, importable as upstream's:
``from vcpsdk.vcpsdk import VcpSDK``, or ``from vcpsdk import vcpsdk``
then ``vcpsdk.VcpSDK(token)``."""

import logging
from urllib.parse import quote

import yaml

from . import __version__, ca, http, tables
from .config import Config
from .errors import (  # noqa: F401  (re-exported, as upstream's module offers them)
    VCPAuthException,
    VCPConfigException,
    VCPDependencyException,
    VCPException,
    VCPNotFoundException,
    VCPOperationException,
    VCPSpecException,
    VCPStateConflictException,
    VCPTimeoutException,
    VCPUnsupportedException,
    VCPValidationException,
    VCPVaultReadException,
)
from .node import NodeList, VcpNodeClass  # noqa: F401
from .spec import VcpSpec
from .spec_build import build_spec, flavor_table, provider_info
from .ugroup import VcpUnitGroupClass
from .unit import VcpUnitClass  # noqa: F401
from .wait import Progress, failure, follow

logger = logging.getLogger("vcp.sdk")

VcpSpecClass = VcpSpec  # upstream's name for the spec base


class VcpSDK:
    """The controller, for one token. The token is checked at once: a bad
    one raises VCPAuthException with the controller's reason.
    progress=False turns the progress line of waits off."""

    def __init__(self, vcc_access_token="", config_dir=None, verbose=0, progress=True):
        if not isinstance(vcc_access_token, str) or not vcc_access_token.strip():
            raise VCPAuthException("no token: give VcpSDK the token `vcc-host token create USER` printed")
        self._cfg = Config(config_dir or None)
        vcc = self._cfg.vcc
        host = vcc["host"]
        self._host_port = f"{host}:{vcc.get('vcc_port', 443)}"
        base = "https://" + (f"[{host}]" if ":" in host else host) + f":{vcc.get('vcc_port', 443)}"
        self._api = http.Api(base, vcc_access_token.strip(), ca.resolve(self._cfg, base), verbose)
        self._progress = progress
        try:
            self.authority()
        except VCPAuthException as e:
            raise VCPAuthException(f"config vc failed: the controller refused the token: {e.message}",
                                   status=e.status, details=e.details, request_id=e.request_id) from None

    @property
    def verbose(self):
        return self._api.verbose

    @verbose.setter
    def verbose(self, value):
        self._api.verbose = value

    @property
    def config_dir(self):
        return self._cfg.dir

    def authority(self):
        """What the token may do: {'role', 'user_name', 'user_role'}."""
        return self._api.call("GET", "/accounts/authority")

    def version_dict(self):
        """Versions of this SDK and of the controller, as upstream's keys;
        vc_controller.version is the upstream release vcc implements,
        vcc_version vcc's own."""
        v = self._api.call("GET", "/version")
        sdk = {"filename": __file__, "version": __version__}
        return {
            "vcplib": {"filename": http.__file__, "version": __version__},
            "vcpsdk": dict(sdk, plugin=dict(v["plugins"])),
            "vc_controller": {"host": self._cfg.vcc["host"], "name": self._cfg.vcc.get("name", ""),
                              "wait_timeout_sec": self._cfg.wait_timeout_sec, "version": v["upstream_version"],
                              "git_tag": v["version"], "vcc_version": v["version"], "plugin": dict(v["plugins"])},
        }

    def version(self):
        """Print the versions as YAML, upstream's layout: templates read
        vc_controller.vc_controller (the upstream release vcc implements,
        e.g. 25.04.0); vcc_version is vcc's own."""
        d = self.version_dict()
        c = d["vc_controller"]
        d["vc_controller"] = {"host": c["host"], "name": c["name"], "wait_timeout_sec": c["wait_timeout_sec"],
                              "vc_controller": c["version"], "vc_controller_git_tag": c["git_tag"],
                              "vcc_version": c["vcc_version"], "plugin": c["plugin"]}
        print(yaml.safe_dump(d, sort_keys=False, default_flow_style=False).rstrip())

    def vcc_info(self):
        """Where the controller, its Vault API and registries are."""
        vcc = self._cfg.vcc
        if vcc.get("vault_url"):
            vault = vcc["vault_url"].rstrip("/")
        elif vcc.get("vault_port"):
            vault = f"https://{vcc['host']}:{vcc['vault_port']}"
        else:  # the embedded backend serves the Vault API on the API's port
            vault = self._api.base_url
        private = vcc.get("private_ip", vcc["host"])
        return {"host": self._host_port, "vault_url": vault,
                "docker_registry": {"official": f"{private}:5000", "user": f"{private}:5001"}}

    def get_publickey(self):
        """The controller's SSH public key, to authorise on existing servers."""
        return self._api.call("GET", "/publickey")["public_key"]

    def get_vpn_catalog(self, provider=None, vpn_catalog_name="default"):
        """The VPN catalog: every provider's (provider None), else the
        entry vpn_catalog_name of provider."""
        cat = self._api.call("GET", "/vpn_catalog")
        if provider is None:
            return cat
        if provider not in cat:
            raise VCPNotFoundException(f"the VPN catalog has no provider {provider!r} (providers: {', '.join(sorted(cat)) or 'none'})")
        if vpn_catalog_name not in cat[provider]:
            raise VCPNotFoundException(f"the VPN catalog of {provider} has no entry {vpn_catalog_name!r} "
                                       f"(entries: {', '.join(sorted(cat[provider]))})")
        return cat[provider][vpn_catalog_name]

    def get_flavors(self, provider):
        """Flavor name -> spec values: the controller's, overridden by
        vcp_flavor.yml (df_flavors as plain data)."""
        return flavor_table(self._api, self._cfg, provider_info(self._api, provider))

    def df_flavors(self, provider):
        rows = [dict(flavor=name, **values) for name, values in sorted(self.get_flavors(provider).items())]
        columns = ["flavor"] + sorted({k for r in rows for k in r} - {"flavor"})
        return tables.frame(rows, columns, "df_flavors", "get_flavors(provider)")

    def get_spec(self, provider, flavor):
        """A spec of provider preset by flavor, to change attribute by
        attribute before create_unit."""
        return build_spec(self._api, self._cfg, provider, flavor)

    def get_extension(self, provider_name):
        raise VCPUnsupportedException(f"provider extensions ({provider_name}) are not supported by vcc")

    def create_ugroup(self, ugroup_name, ugroup_type="compute", privileged=False):
        """A new, empty UnitGroup."""
        vc = self._api.call("POST", "/vcs", {"name": ugroup_name, "type": ugroup_type}, privileged=privileged)
        return VcpUnitGroupClass(self, vc, privileged)

    def find_ugroups(self, ugroup_name="", vcid="", vcno="", state=None, ugroup_type="", privileged=False):
        """The UnitGroups matching every condition given."""
        params = {k: v for k, v in (("name", ugroup_name), ("state", state), ("type", ugroup_type)) if v}
        vcs = self._api.call("GET", "/vcs", params=params, privileged=privileged)["vcs"]
        return [VcpUnitGroupClass(self, vc, privileged) for vc in vcs
                if (not vcid or vc["vcid"] == vcid) and (vcno in ("", None) or vc["vcno"] == vcno)]

    def get_ugroup(self, ugroup_name, privileged=False):
        """The UnitGroup named ugroup_name, or None."""
        found = self.find_ugroups(ugroup_name=ugroup_name, privileged=privileged)
        return found[0] if found else None

    def df_ugroups(self, privileged=False):
        vcs = self._api.call("GET", "/vcs", privileged=privileged)["vcs"]
        return tables.frame([tables.ugroup_row(vc) for vc in vcs], tables.UGROUP_COLUMNS, "df_ugroups", "find_ugroups()")

    def df_nodes(self, privileged=False):
        rows = []
        for vc in self._api.call("GET", "/vcs", privileged=privileged)["vcs"]:
            full = self._api.call("GET", "/vcs/" + quote(vc["vcid"], safe=""), privileged=privileged)
            rows += [r for u in full.get("units") or [] for r in tables.node_rows(full, u, disk_columns=False)]
        return tables.frame(rows, tables.NODE_COLUMNS, "df_nodes", "find_ugroups() and their find_nodes()")

    def post_credential(self, key, value):
        """Store one of your cloud credentials on the controller, e.g.
        post_credential('aws/access_key', '...'). It belongs to your user,
        not to this token; vault://cubbyhole/<key> names it."""
        prov, name = self._credential_key(key)
        if not isinstance(value, str) or not value:
            raise VCPException("post_credential: the value must be a non-empty string")
        self._api.call("PUT", f"/credentials/{quote(prov, safe='')}/{quote(name, safe='')}", {"value": value})

    def get_credential(self, key):
        """One of your stored credentials, or None."""
        prov, name = self._credential_key(key)
        try:
            return self._api.call("GET", f"/credentials/{quote(prov, safe='')}/{quote(name, safe='')}")["value"]
        except VCPNotFoundException:
            return None

    @staticmethod
    def _credential_key(key):
        if not isinstance(key, str) or key.count("/") != 1 or key.startswith("/") or key.endswith("/"):
            raise VCPException(f"a credential key is PROVIDER/KEY, e.g. 'aws/access_key'; got {key!r}")
        return key.split("/")

    def wait_operation(self, operation_id, timeout=None):
        """Wait for any operation (e.g. one a timeout named); return it."""
        timeout = self._cfg.wait_timeout_sec if timeout is None else timeout
        op = follow(self._api, operation_id, timeout, Progress(self._progress),
                    lambda elapsed: f"operation {operation_id}: running, {elapsed:.0f}s")
        return self._finished(op, operation_id, f"operation {operation_id}", timeout)

    def _finished(self, op, op_id, what, timeout=None):
        """op as follow() returned it, or the exception it calls for."""
        if op is None:
            raise VCPTimeoutException(f"{what} is not done after {timeout or self._cfg.wait_timeout_sec:.0f}s; nothing was "
                                      f"cancelled: wait again with sdk.wait_operation('{op_id}')", operation_id=op_id)
        if op["state"] == "failed":
            raise VCPOperationException(failure(what, op), operation=op)
        return op

    def __str__(self):
        return f"VcpSDK for {self._api.base_url} (config {self._cfg.dir})"

    __repr__ = __str__
