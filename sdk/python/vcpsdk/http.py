"""HTTP to the controller: one requests session, the token, the CA, and
the mapping of error answers onto the SDK's exceptions."""

import logging
import time

import requests

from .errors import (
    VCPAuthException,
    VCPConfigException,
    VCPException,
    VCPNotFoundException,
    VCPStateConflictException,
    VCPValidationException,
    VCPVaultReadException,
)

PREFIX = "/vcp/v1/occtr"
logger = logging.getLogger("vcp.sdk")

# Seconds to wait for the controller to accept a connection, and for an
# answer beyond any long poll the request asked for.
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 60

_BY_STATUS = {
    400: VCPValidationException,
    401: VCPAuthException,
    403: VCPAuthException,
    404: VCPNotFoundException,
    409: VCPStateConflictException,
    413: VCPValidationException,
}


def error_from(resp, what):
    """The exception for an error answer: the API's message and the
    fields it blamed, of the class its status calls for."""
    message, details = "", []
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        message = body.get("error") or "; ".join(body.get("errors") or [])
        details = [(d.get("field", ""), d.get("message", "")) for d in body.get("details") or []]
    if not message:
        message = (resp.text or resp.reason or "").strip()
    cls = _BY_STATUS.get(resp.status_code, VCPException)
    if cls is VCPValidationException and any(f.startswith("credentials.") for f, _ in details):
        cls = VCPVaultReadException
    return cls(f"{what}: {message} (HTTP {resp.status_code})", status=resp.status_code, details=details,
               request_id=resp.headers.get("X-Request-Id"))


class Api:
    """The controller's REST API at base_url (https://host:port)."""

    def __init__(self, base_url, token, verify, verbose=0):
        self.base_url = base_url.rstrip("/")
        self.verify = verify
        self.verbose = verbose
        self._session = requests.Session()
        # The token only ever travels in this header; it is never logged.
        self._session.headers["Authorization"] = "Bearer " + token
        self._session.headers["User-Agent"] = "vcpsdk-vcc"

    def call(self, method, path, body=None, params=None, privileged=False, wait=0, raw_path=False):
        """Send one request and return the decoded JSON answer (None when
        it has no body). ``wait`` is how long the controller may hold the
        answer (long poll), added to the read timeout. Error answers raise
        the matching VCPException."""
        params = dict(params or {})
        if privileged:
            params["privileged"] = "true"
        url = self.base_url + ("" if raw_path else PREFIX) + path
        what = f"{method} {path}"
        start = time.monotonic()
        try:
            resp = self._session.request(method, url, json=body, params=params or None, verify=self.verify,
                                         timeout=(CONNECT_TIMEOUT, READ_TIMEOUT + wait))
        except requests.exceptions.SSLError as e:
            raise VCPConfigException(
                f"TLS check of {self.base_url} failed: {e}. The controller's certificate must be signed by the CA "
                f"this SDK trusts ({self.verify}) and name the host in vcp_config.yml (vcc.host); "
                "`vcc-host cert generate --san HOST` makes such a pair") from None
        except requests.exceptions.ConnectionError as e:
            raise VCPException(f"cannot reach the controller at {self.base_url}: {e}; check vcc.host and vcc.vcc_port "
                               "in vcp_config.yml and that vcc-host runs") from None
        except requests.exceptions.Timeout:
            raise VCPException(f"{what}: the controller at {self.base_url} did not answer in time") from None
        if self.verbose:
            logger.info("%s -> %d (%.2fs)", what, resp.status_code, time.monotonic() - start)
        if resp.status_code >= 300:
            raise error_from(resp, what)
        if not resp.content:
            return None
        return resp.json()
