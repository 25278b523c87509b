"""vcp_config.yml and vcp_flavor.yml (found where upstream looks, checked
with file:line:key), and the CA the SDK trusts."""

import os

import pytest

from conftest import write_config
from vcpsdk.vcpsdk import VCPConfigException, VcpSDK


def test_config_dir_order(tmp_path, host, alice, monkeypatch):
    env_dir = write_config(tmp_path / "env", host)
    monkeypatch.setenv("VCPSDK_CONFIG_DIR", env_dir)
    assert VcpSDK(alice).config_dir == env_dir
    arg_dir = write_config(tmp_path / "arg", host)
    assert VcpSDK(alice, config_dir=arg_dir).config_dir == arg_dir
    monkeypatch.delenv("VCPSDK_CONFIG_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(VCPConfigException, match=r"no vcp_config.yml in .*home/vcp_config \(the default"):
        VcpSDK(alice)


@pytest.mark.parametrize("extra,body,where,what", [
    ("  vcc_port_typo: 1\n", "", "vcp_config.yml:5: vcc.vcc_port_typo", "unknown key; known: ca_file"),
    ("  wait_timeout_sec: soon\n", "", "vcp_config.yml:5: vcc.wait_timeout_sec", "a positive integer"),
    ("", "spec_options:\n  dnss: [8.8.8.8]\n", "vcp_config.yml:6: spec_options.dnss", "known: add_host, dns"),
    ("", "spec_options:\n  gpus: [all]\n", "vcp_config.yml:6: spec_options.gpus", "docker --gpus value"),
    ("", "sim: [api_key]\n", "vcp_config.yml:5: sim", "must be a mapping"),
    ("  name: [x\n", "", "vcp_config.yml:6", "not valid YAML"),
])
def test_config_errors_name_line_and_key(tmp_path, host, alice, extra, body, where, what):
    d = write_config(tmp_path / "c", host, vcc_extra=extra, body=body)
    with pytest.raises(VCPConfigException) as e:
        VcpSDK(alice, config_dir=d)
    assert where in str(e.value) and what in str(e.value)


def _flavor_file(d, text):
    with open(os.path.join(d, "vcp_flavor.yml"), "w") as f:
        f.write(text)


def test_local_flavors(tmp_path, host, alice):
    d = write_config(tmp_path / "c", host, body="spec_options:\n  dns: 10.0.0.53\n")
    _flavor_file(d, "sim:\n  tiny:\n    instance_type: sim.medium\n    volume_size: 8\n  small:\n    volume_size: 20\n")
    sdk = VcpSDK(alice, config_dir=d)
    tiny = sdk.get_spec("sim", "tiny")
    assert tiny.volume_size == 8 and tiny.dns == ["10.0.0.53"]
    # A flavor only vcp_flavor.yml knows travels as fields, no flavor name.
    assert tiny.request("u") == {"unit_name": "u", "provider": "sim",
                                 "spec": {"instance_type": "sim.medium", "volume_size": 8, "dns": ["10.0.0.53"]}}
    assert sdk.get_spec("sim", "small").volume_size == 20
    assert sdk.get_flavors("sim")["small"] == {"volume_size": 20}
    _flavor_file(d, "sim:\n  tiny:\n    vm_size: Standard_B1s\n")
    with pytest.raises(VCPConfigException, match=r"vcp_flavor.yml:3: sim.tiny.vm_size: not a spec field"):
        VcpSDK(alice, config_dir=d).get_spec("sim", "tiny")
    _flavor_file(d, "sim:\n  tiny:\n    volume_size: big\n")
    with pytest.raises(VCPConfigException, match=r"vcp_flavor.yml:3: sim.tiny.volume_size: must be an integer"):
        VcpSDK(alice, config_dir=d).get_spec("sim", "tiny")


def test_provider_section(tmp_path, host, alice):
    d = write_config(tmp_path / "c", host, body="sim:\n  private_network: slow\n  api_key: vault://cubbyhole/sim/api_key\n")
    spec = VcpSDK(alice, config_dir=d).get_spec("sim", "small")
    assert spec.private_network == "slow"
    assert spec.request("u")["credentials"] == {"api_key": "vault://cubbyhole/sim/api_key"}
    for body, where, what in [
        ("sim:\n  api_key: AKIA-PLAIN-VALUE\n", "vcp_config.yml:6: sim.api_key", "sdk.post_credential('sim/api_key', VALUE)"),
        ("sim:\n  private_network: tokyo\n", "vcp_config.yml:6: sim.private_network", "entries: broken, default, slow"),
        ("sim:\n  secret_key: x\n", "vcp_config.yml:6: sim.secret_key", "its keys: api_key, private_network"),
    ]:
        d = write_config(tmp_path / "bad", host, body=body)
        with pytest.raises(VCPConfigException) as e:
            VcpSDK(alice, config_dir=d).get_spec("sim", "small")
        assert where in str(e.value) and what in str(e.value)
        assert "AKIA-PLAIN-VALUE" not in str(e.value)  # a secret is never echoed


def test_ca_fetched_once_after_confirmation(tmp_path, host, alice, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    d = write_config(tmp_path / "c", host, ca=False)
    with pytest.raises(VCPConfigException, match="not trusted yet") as e:
        VcpSDK(alice, config_dir=d)
    assert host.fingerprint in str(e.value)  # the one `vcc-host serve` printed
    wrong = write_config(tmp_path / "w", host, vcc_extra="  ca_fingerprint: " + "AA:" * 31 + "AA\n", ca=False)
    with pytest.raises(VCPConfigException, match="Do not trust it"):
        VcpSDK(alice, config_dir=wrong)
    assert not os.path.exists(os.path.join(wrong, "cert", "ca.pem"))
    ok = write_config(tmp_path / "ok", host, vcc_extra=f"  ca_fingerprint: {host.fingerprint}\n", ca=False)
    assert VcpSDK(alice, config_dir=ok).authority()["user_name"] == "alice"
    with open(os.path.join(ok, "cert", "ca.pem")) as kept, open(host.ca) as served:
        assert kept.read() == served.read()


def test_ca_from_requests_bundle_or_ca_file(tmp_path, host, alice, monkeypatch):
    d = write_config(tmp_path / "c", host, ca=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", host.ca)
    assert VcpSDK(alice, config_dir=d).authority()["user_name"] == "alice"
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    f = write_config(tmp_path / "f", host, vcc_extra=f"  ca_file: {host.ca}\n", ca=False)
    assert VcpSDK(alice, config_dir=f).authority()["user_name"] == "alice"
    missing = write_config(tmp_path / "m", host, vcc_extra="  ca_file: nowhere.pem\n", ca=False)
    with pytest.raises(VCPConfigException, match=r"vcc.ca_file: .*nowhere.pem does not exist"):
        VcpSDK(alice, config_dir=missing)
