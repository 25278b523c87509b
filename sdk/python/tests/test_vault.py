"""Credentials: the Vault API calls upstream's notebooks make against
vcc_info()['vault_url'] (served by the embedded backend), the SDK's
post_credential/get_credential, and vault:// references in
vcp_config.yml, all over the same per-user store."""

import pytest
import requests

from conftest import write_config
from vcpsdk.vcpsdk import VCPException, VCPVaultReadException, VcpSDK


def vault(sdk, token, ca, method, path, **kw):
    """A raw Vault API call, as the notebooks write it."""
    return requests.request(method, sdk.vcc_info()["vault_url"] + "/v1/" + path,
                            headers={"X-Vault-Token": token}, verify=ca, **kw)


def test_vault_calls_as_notebooks_make_them(sdk, host, alice):
    ca = host.ca
    r = vault(sdk, alice, ca, "POST", "cubbyhole/sim/api_key", json={"value": "k-123"})
    assert r.status_code == 204
    r = vault(sdk, alice, ca, "GET", "cubbyhole/sim/api_key")
    assert r.status_code == 200 and r.json()["data"] == {"value": "k-123"}
    assert sdk.get_credential("sim/api_key") == "k-123"  # one store
    assert vault(sdk, alice, ca, "LIST", "cubbyhole/sim").json()["data"]["keys"] == ["api_key"]
    assert vault(sdk, alice, ca, "GET", "cubbyhole/sim?list=true").json()["data"]["keys"] == ["api_key"]
    me = vault(sdk, alice, ca, "GET", "auth/token/lookup-self").json()["data"]
    assert me["meta"]["user_name"] == "alice" and me["display_name"] == "token-alice"
    assert vault(sdk, alice, ca, "DELETE", "cubbyhole/sim/api_key").status_code == 204
    assert vault(sdk, alice, ca, "GET", "cubbyhole/sim/api_key").status_code == 404
    r = vault(sdk, "vcc.0123456789abcdef.nope", ca, "GET", "cubbyhole/sim/api_key")
    assert r.status_code == 403 and r.json()["errors"][0].startswith("permission denied")
    r = vault(sdk, alice, ca, "PUT", "secret/team/x", json={"value": "v", "ttl": "1h"})
    assert r.status_code == 400 and 'one string field "value"' in r.json()["errors"][0]


def test_credentials_and_references(sdk, host, alice, tmp_path, ugroup):
    sdk.post_credential("sim/api_key", "k-456")
    assert sdk.get_credential("sim/api_key") == "k-456"
    with pytest.raises(VCPException, match="PROVIDER/KEY"):
        sdk.post_credential("api_key", "x")
    with pytest.raises(VCPException, match="takes the keys: api_key"):
        sdk.post_credential("sim/secret_key", "x")
    # secret/ through the Vault API, read by a vault://secret reference.
    assert vault(sdk, alice, host.ca, "PUT", "secret/team/sim", json={"value": "k-789"}).status_code == 204
    ok = write_config(tmp_path / "ref", host, body="sim:\n  api_key: vault://secret/team/sim\n")
    unit = VcpSDK(alice, config_dir=ok).get_ugroup(ugroup.name).create_unit("ref", VcpSDK(alice, config_dir=ok).get_spec("sim", "small"))
    assert unit.state == "RUNNING"
    bad = write_config(tmp_path / "bad", host, body="sim:\n  api_key: vault://cubbyhole/nothing/here\n")
    other = VcpSDK(alice, config_dir=bad)
    with pytest.raises(VCPVaultReadException) as e:
        other.get_ugroup(ugroup.name).create_unit("bad", other.get_spec("sim", "small"))
    assert e.value.status == 400 and e.value.details[0][0] == "credentials.api_key"
    assert "k-456" not in host.logs() and "k-789" not in host.logs()
    assert vault(sdk, alice, host.ca, "DELETE", "cubbyhole/sim/api_key").status_code == 204
