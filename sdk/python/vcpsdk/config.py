"""vcp_config.yml and vcp_flavor.yml, as upstream lays them out, checked
when loaded: a problem names the file, the line and the key."""

import os

import yaml

from .errors import VCPConfigException

DEFAULT_WAIT_TIMEOUT_SEC = 1000


def _port(v):
    return isinstance(v, int) and not isinstance(v, bool) and 0 < v < 65536


def _str_list(v):
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


# The keys of the vcc section: how each is checked, and what it must be.
VCC_KEYS = {
    "host": (lambda v: isinstance(v, str) and v.strip() != "", "the controller's address, e.g. 10.0.2.15"),
    "name": (lambda v: isinstance(v, str), "a label of your choice"),
    "vcc_port": (_port, "the REST API's port, 1-65535 (default 443)"),
    "vault_port": (_port, "Vault's port, 1-65535"),
    "vault_url": (lambda v: isinstance(v, str) and v.startswith("https://"), "Vault's URL, https://HOST:PORT"),
    "private_ip": (lambda v: isinstance(v, str), "the controller's address as nodes see it"),
    "insecure_request_warning": (lambda v: isinstance(v, bool), "true or false (vcc always verifies TLS)"),
    "wait_timeout_sec": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
                         "seconds a wait may take, a positive integer (default 1000)"),
    "ca_file": (lambda v: isinstance(v, str), "a PEM file with the controller's CA"),
    "ca_fingerprint": (lambda v: isinstance(v, str), "the SHA-256 fingerprint of the controller's CA"),
}

# spec_options: defaults laid into every spec, upstream's name -> the
# spec field it sets, and the check of its value.
SPEC_OPTIONS = {
    "dns": ("dns", _str_list, "a list of DNS server addresses"),
    "dns_search": ("dns_search", _str_list, "a list of search domains"),
    "add_host": ("add_host", _str_list, "a list of HOST:IP entries"),
    "options": ("dns_opt", _str_list, "a list of DNS options"),
    "hostname": ("hostname", lambda v: isinstance(v, str), "a host name"),
    "gpus": ("gpus", lambda v: isinstance(v, str), "a docker --gpus value, e.g. all"),
}


class YamlFile:
    """A parsed YAML file that remembers the line of every mapping key."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            self.data = yaml.safe_load(text)
            node = yaml.compose(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            at = f"{path}:{mark.line + 1}" if mark else path
            raise VCPConfigException(f"{at}: not valid YAML: {getattr(e, 'problem', e)}") from None
        self._lines = {}
        self._walk(node, ())

    def _walk(self, node, keys):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                self._lines[keys + (str(k.value),)] = k.start_mark.line + 1
                self._walk(v, keys + (str(k.value),))

    def error(self, keys, message):
        """An exception naming path:line and the dotted key."""
        line = self._lines.get(tuple(keys))
        at = f"{self.path}:{line}" if line else self.path
        return VCPConfigException(f"{at}: {'.'.join(keys)}: {message}")


class Config:
    """The SDK's configuration: the vcc section, spec defaults, provider
    sections (credentials, private_network) and local flavors."""

    def __init__(self, config_dir=None):
        self.dir, source = resolve_dir(config_dir)
        path = os.path.join(self.dir, "vcp_config.yml")
        if not os.path.isfile(path):
            raise VCPConfigException(
                f"no vcp_config.yml in {self.dir} ({source}); create it with at least:\n"
                "vcc:\n  host: 10.0.2.15    # the controller's address\n  vcc_port: 443      # its REST port\n"
                "or give VcpSDK(token, config_dir=DIR)")
        self.file = YamlFile(path)
        data = self.file.data or {}
        if not isinstance(data, dict):
            raise VCPConfigException(f"{path}: must be a mapping of sections (vcc, spec_options, providers)")
        self.vcc = self._vcc(data.get("vcc"))
        self.spec_options = self._spec_options(data.get("spec_options"))
        self.providers = {}
        for name, section in data.items():
            if name in ("vcc", "spec_options"):
                continue
            if not isinstance(section, dict):
                raise self.file.error([name], "a provider section must be a mapping of credential keys and private_network")
            for key, value in section.items():
                if not isinstance(value, str):
                    raise self.file.error([name, key], "must be a string (a value, or a vault://cubbyhole/... reference)")
            self.providers[name] = section
        self.flavor_file, self.flavors = self._flavors()

    @property
    def wait_timeout_sec(self):
        return self.vcc.get("wait_timeout_sec", DEFAULT_WAIT_TIMEOUT_SEC)

    def _vcc(self, vcc):
        if not isinstance(vcc, dict) or "host" not in vcc:
            raise self.file.error(["vcc"], "a section vcc with at least host (the controller's address) is required")
        for key, value in vcc.items():
            if key not in VCC_KEYS:
                raise self.file.error(["vcc", key], "unknown key; known: " + ", ".join(sorted(VCC_KEYS)))
            check, what = VCC_KEYS[key]
            if not check(value):
                raise self.file.error(["vcc", key], f"must be {what}, got {value!r}")
        return vcc

    def _spec_options(self, opts):
        if opts is None:
            return {}
        if not isinstance(opts, dict):
            raise self.file.error(["spec_options"], "must be a mapping")
        out = {}
        for key, value in opts.items():
            if key not in SPEC_OPTIONS:
                raise self.file.error(["spec_options", key], "unknown key; known: " + ", ".join(sorted(SPEC_OPTIONS)))
            field, check, what = SPEC_OPTIONS[key]
            if isinstance(value, str) and check is _str_list:
                value = [value]
            if not check(value):
                raise self.file.error(["spec_options", key], f"must be {what}, got {value!r}")
            out[field] = value
        return out

    def _flavors(self):
        path = os.path.join(self.dir, "vcp_flavor.yml")
        if not os.path.isfile(path):
            return None, {}
        f = YamlFile(path)
        data = f.data or {}
        if not isinstance(data, dict):
            raise VCPConfigException(f"{path}: must map providers to flavors to spec values")
        for prov, flavors in data.items():
            if not isinstance(flavors, dict):
                raise f.error([prov], "must map flavor names to spec values")
            for name, values in flavors.items():
                if not isinstance(values, dict):
                    raise f.error([prov, name], "must map spec fields to values, e.g. instance_type: m4.large")
        return f, data


def resolve_dir(config_dir):
    """The config dir: the argument, else $VCPSDK_CONFIG_DIR, else
    ~/vcp_config; and where it came from, for messages."""
    if config_dir:
        return os.path.expanduser(config_dir), "given as config_dir"
    if os.environ.get("VCPSDK_CONFIG_DIR"):
        return os.path.expanduser(os.environ["VCPSDK_CONFIG_DIR"]), "from $VCPSDK_CONFIG_DIR"
    return os.path.expanduser("~/vcp_config"), "the default; set $VCPSDK_CONFIG_DIR or config_dir to use another"
