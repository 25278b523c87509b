"""Which CA the SDK trusts for the controller's TLS certificate.

In this order: vcc.ca_file in vcp_config.yml; <config dir>/cert/ca.pem;
$REQUESTS_CA_BUNDLE or the system's CAs, when they accept the controller
(a publicly signed certificate). Otherwise the SDK fetches the
CA once from GET /vcp/v1/occtr/ca.pem and uses it only when its SHA-256
fingerprint is the one the user confirmed (vcc.ca_fingerprint, or
$VCPSDK_CA_FINGERPRINT); it then keeps it in <config dir>/cert/ca.pem.
Upstream had users copy ca.pem into the Jupyter container by hand, and the
copy was lost when the container restarted.
"""

import hashlib
import logging
import os
import ssl
import warnings

import requests

from .errors import VCPConfigException, VCPException
from .http import CONNECT_TIMEOUT, PREFIX

logger = logging.getLogger("vcp.sdk")


def fingerprint(pem_text):
    """SHA-256 fingerprint of a PEM certificate, as openssl prints it."""
    try:
        der = ssl.PEM_cert_to_DER_cert(pem_text)
    except ValueError as e:
        raise VCPException(f"the controller's /ca.pem is not a PEM certificate: {e}") from None
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _norm(fp):
    return fp.replace(":", "").strip().lower()


def resolve(cfg, base_url):
    """The ``verify`` value for requests: a CA file path, or True."""
    vcc = cfg.vcc
    if vcc.get("ca_file"):
        path = os.path.join(cfg.dir, os.path.expanduser(vcc["ca_file"]))
        if not os.path.isfile(path):
            raise cfg.file.error(["vcc", "ca_file"], f"{path} does not exist")
        return path
    kept = os.path.join(cfg.dir, "cert", "ca.pem")
    if os.path.isfile(kept):
        return kept
    # $REQUESTS_CA_BUNDLE is often set machine-wide to the system's CAs:
    # it counts only when it accepts this controller.
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or True
    if _trusts(base_url, bundle):
        return bundle
    return _fetch_confirmed(cfg, base_url, kept)


def _trusts(base_url, verify):
    try:
        requests.get(base_url + PREFIX + "/health", verify=verify, timeout=CONNECT_TIMEOUT)
        return True
    except requests.exceptions.SSLError:
        return False
    except requests.exceptions.RequestException as e:
        raise VCPException(f"cannot reach the controller at {base_url}: {e}; check vcc.host and vcc.vcc_port "
                           "in vcp_config.yml and that vcc-host runs") from None


def _fetch_confirmed(cfg, base_url, keep_at):
    # Unverified on purpose: this fetch is only trusted once the user has
    # confirmed the fingerprint it yields.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            resp = requests.get(base_url + PREFIX + "/ca.pem", verify=False, timeout=CONNECT_TIMEOUT)
        except requests.exceptions.RequestException as e:
            raise VCPException(f"cannot reach the controller at {base_url}: {e}") from None
    if resp.status_code != 200:
        raise VCPException(f"GET {PREFIX}/ca.pem answered {resp.status_code}; is {base_url} a vcc controller?")
    pem = resp.text
    fp = fingerprint(pem)
    want = cfg.vcc.get("ca_fingerprint") or os.environ.get("VCPSDK_CA_FINGERPRINT", "")
    if not want:
        raise VCPConfigException(
            f"the controller at {base_url} is not trusted yet. It serves a CA with the SHA-256 fingerprint\n"
            f"  {fp}\n"
            "Compare it with the one `vcc-host serve` printed (\"CA fingerprint\"), or with\n"
            "  openssl x509 -noout -fingerprint -sha256 -in ca.pem\n"
            f"on the controller. If they are the same, add under vcc: in {cfg.file.path}\n"
            f"  ca_fingerprint: {fp}\n"
            f"and run again (the CA is then kept in {keep_at}); or copy the controller's ca.pem there, "
            "or set $REQUESTS_CA_BUNDLE.")
    if _norm(want) != _norm(fp):
        raise VCPConfigException(
            f"the controller at {base_url} serves a CA whose SHA-256 fingerprint is\n  {fp}\n"
            f"but vcc.ca_fingerprint (or $VCPSDK_CA_FINGERPRINT) says\n  {want}\n"
            "Do not trust it until you know why they differ (another controller at that address, "
            "a regenerated CA, or someone in between).")
    os.makedirs(os.path.dirname(keep_at), exist_ok=True)
    with open(keep_at, "w", encoding="ascii") as f:
        f.write(pem)
    logger.info("trusting the controller's CA (SHA-256 %s), kept in %s", fp, keep_at)
    return keep_at
