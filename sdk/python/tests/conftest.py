"""Fixtures: one real vcc-host for the whole session (sim, no latency
unless a test picks the slow catalog entry), users' tokens, and a fresh
vcp_config dir per test that trusts the host's CA."""

import os
import re
import shutil
import sys

import pytest

# The package under test: this checkout's, unless it is installed.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

from hostproc import Host  # noqa: E402

from vcpsdk.errors import VCPException  # noqa: E402


@pytest.fixture(scope="session")
def host():
    h = Host()
    yield h
    h.stop()


@pytest.fixture(scope="session")
def alice(host):
    """A regular user's token, as a notebook user has."""
    return host.user_token("alice")


def write_config(path, host, vcc_extra="", body="", ca=True):
    """A vcp_config dir for host: vcp_config.yml (plus vcc_extra lines
    under vcc: and body after it), and the host's CA in cert/ca.pem."""
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "vcp_config.yml"), "w") as f:
        f.write(f"vcc:\n  host: 127.0.0.1\n  vcc_port: {host.port}\n  name: pytest\n{vcc_extra}{body}")
    if ca:
        os.makedirs(os.path.join(path, "cert"), exist_ok=True)
        shutil.copy(host.ca, os.path.join(path, "cert", "ca.pem"))
    return str(path)


@pytest.fixture
def config_dir(tmp_path, host):
    return write_config(tmp_path / "vcp_config", host)


@pytest.fixture
def sdk(config_dir, alice):
    from vcpsdk.vcpsdk import VcpSDK
    return VcpSDK(alice, config_dir=config_dir)


@pytest.fixture
def ugroup(sdk, request):
    """A fresh UnitGroup named after the test, cleaned up afterwards."""
    ug = sdk.create_ugroup(re.sub(r"[^A-Za-z0-9_-]", "-", request.node.name)[:60])
    yield ug
    try:
        ug.cleanup(forget=True)
    except VCPException:
        pass  # the test removed it already
