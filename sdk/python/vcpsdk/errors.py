"""Exceptions, with upstream's names.

Every exception carries what the controller said: the message, the HTTP
status, and the fields it blamed (``details``), so a notebook shows at
once what was wrong and where, instead of a late, cryptic failure.
"""


class VCPException(Exception):
    """Base of every error the SDK raises.

    ``status`` is the HTTP status (None for errors found locally),
    ``details`` a list of ``(field, message)`` pairs, ``request_id`` the
    id the controller logged the request under.
    """

    def __init__(self, message, status=None, details=None, request_id=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.details = list(details or [])
        self.request_id = request_id

    def __str__(self):
        lines = [self.message]
        for field, msg in self.details:
            lines.append(f"  {field}: {msg}" if field else f"  {msg}")
        if self.request_id:
            lines.append(f"  (request id {self.request_id} in the controller's log)")
        return "\n".join(lines)


class VCPAuthException(VCPException):
    """The token was refused (missing, unknown, revoked, expired), or may
    not do this (readonly token, privileged access by a regular user)."""


class VCPNotFoundException(VCPException):
    """No such UnitGroup, unit, node, provider or flavor."""


class VCPStateConflictException(VCPException):
    """The change conflicts with the current state (an illegal node state
    transition, a unit with nodes deleted without force, a duplicate
    name, a UnitGroup being deleted)."""


class VCPValidationException(VCPException):
    """The controller refused the request's content (a spec field, a
    selector, a credential reference); ``details`` names each field."""


class VCPVaultReadException(VCPValidationException):
    """A ``vault://`` credential reference could not be read."""


class VCPConfigException(VCPException):
    """vcp_config.yml or vcp_flavor.yml is wrong (the message names the
    file, line and key), or the controller's CA is not trusted yet."""


class VCPSpecException(VCPException, AttributeError):
    """A spec attribute the provider does not have, or a value of the
    wrong type. An AttributeError too, so ``hasattr(spec, name)`` works."""


class VCPUnsupportedException(VCPException):
    """Something upstream's SDK offers that vcc does not (yet)."""


class VCPDependencyException(VCPException, ImportError):
    """An optional Python package (pandas) is missing; the message says
    what to install."""


class VCPOperationException(VCPException):
    """A change the controller accepted failed while it ran.

    ``operation`` is the operation as the controller reports it, ``unit``
    the unit it changed (a VcpUnitClass, or None when it is gone).
    """

    def __init__(self, message, operation=None, unit=None, **kw):
        super().__init__(message, **kw)
        self.operation = operation
        self.unit = unit


class VCPTimeoutException(VCPException):
    """A wait ran out of time. Nothing was cancelled: the operation goes
    on in the controller. ``operation_id`` and ``unit`` (when the wait was
    for a unit) are the handles to wait again with; the message says how.
    """

    def __init__(self, message, operation_id=None, unit=None, **kw):
        super().__init__(message, **kw)
        self.operation_id = operation_id
        self.unit = unit
