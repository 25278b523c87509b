"""get_spec: a spec from the controller's description of the provider,
its flavor, vcp_flavor.yml and vcp_config.yml, every local value checked
against the provider's fields with the file, line and key to blame."""

from urllib.parse import quote

from .errors import VCPNotFoundException
from .spec import _TYPES, VcpSpec, _typed

REF_PREFIXES = ("vault://cubbyhole/", "vault://secret/")


def provider_info(api, provider):
    """GET /providers/{provider}; an unknown one is a VCPNotFoundException
    naming the installed providers."""
    return api.call("GET", "/providers/" + quote(provider, safe=""))


def flavor_table(api, cfg, info):
    """Flavor name -> values: the controller's, overridden by
    vcp_flavor.yml's of the same provider."""
    out = {f["name"]: f["values"] for f in api.call("GET", "/flavors", params={"provider": info["name"]})["flavors"]}
    out.update(cfg.flavors.get(info["name"]) or {})
    return out


def build_spec(api, cfg, provider, flavor):
    info = provider_info(api, provider)
    name = info["name"]
    schema = {a["name"]: a for a in info["spec_schema"]}
    local = cfg.flavors.get(provider) or cfg.flavors.get(name) or {}
    names = sorted(set(info["flavors"]) | set(local))
    if flavor not in names:
        raise VCPNotFoundException(f"provider {name} has no flavor {flavor!r} (flavors: {', '.join(names) or 'none'})")
    server = {}
    if flavor in info["flavors"]:
        server = {f["name"]: f["values"] for f in api.call("GET", "/flavors", params={"provider": name})["flavors"]}.get(flavor, {})
    local_values = local.get(flavor)
    for key, value in (local_values or {}).items():
        _check_local(cfg.flavor_file, [provider, flavor, key], schema, key, value)
    defaults = {k: v for k, v in cfg.spec_options.items() if k in schema}
    section_name = provider if provider in cfg.providers else name
    credentials = _provider_section(cfg, section_name, info, defaults)
    return VcpSpec(info, flavor, server, local_values, defaults, credentials)


def _check_local(yfile, keys, schema, key, value):
    attr = schema.get(key)
    if attr is None:
        raise yfile.error(keys, "not a spec field of this provider; its fields: " + ", ".join(sorted(schema)))
    if _typed(attr, value) is None:
        raise yfile.error(keys, f"must be {_TYPES.get(attr['type'], attr['type'])}, got {value!r}")
    allowed = attr.get("allowed_values")
    if allowed and value not in allowed:
        raise yfile.error(keys, f"must be one of {', '.join(allowed)}, got {value!r}")


def _provider_section(cfg, section_name, info, defaults):
    """The provider's vcp_config.yml section: private_network goes into
    the spec, credential references into the request. A credential value
    in clear is refused: vcc keeps credentials on the controller."""
    section = cfg.providers.get(section_name) or {}
    keys = {k["name"] for k in info["credential_keys"]}
    refs = {}
    for key, value in section.items():
        where = [section_name, key]
        if key == "private_network":
            if value not in info["catalog_entries"]:
                raise cfg.file.error(where, f"the controller's VPN catalog has no entry {value!r} for {info['name']} "
                                            f"(entries: {', '.join(info['catalog_entries']) or 'none'})")
            defaults["private_network"] = value
        elif key in keys:
            if not value.startswith(REF_PREFIXES):
                raise cfg.file.error(where, (
                    "holds a credential in clear; vcc keeps credentials on the controller: store it once with "
                    f"sdk.post_credential('{info['name']}/{key}', VALUE) and write vault://cubbyhole/{info['name']}/{key} "
                    "here (or remove the line: stored credentials are used without it)"))
            refs[key] = value
        else:
            allowed = sorted(keys | {"private_network"})
            raise cfg.file.error(where, f"not a key of provider {info['name']}; its keys: {', '.join(allowed)}")
    return refs
