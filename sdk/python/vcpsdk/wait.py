"""Waiting for operations: the controller's long poll
(GET /operations/{id}?wait=), which answers the moment the operation
ends, with a one-line progress display in between. Upstream slept 5 s
between checks and lost the unit when its wait ran out."""

import logging
import sys
import time
from urllib.parse import quote

logger = logging.getLogger("vcp.sdk")

# The longest one long poll may be held: the progress line is refreshed
# this often while an operation runs.
POLL_SECONDS = 3.0
DONE = ("succeeded", "failed")


class _NotebookLine:
    """An output line of the running notebook cell, replaced at each
    update (a display handle); None of it outside a Jupyter kernel."""

    def __init__(self, display, pretty):
        self._display, self._pretty, self._handle = display, pretty, None

    def __call__(self, text):
        if self._handle is None:
            self._handle = self._display(self._pretty(text), display_id=True)
        else:
            self._handle.update(self._pretty(text))

    @classmethod
    def open(cls):
        ip_mod = sys.modules.get("IPython")  # only when already imported: a kernel runs
        if ip_mod is None:
            return None
        ip = ip_mod.get_ipython()
        if ip is None or "IPKernelApp" not in getattr(ip, "config", {}):
            return None
        from IPython.display import Pretty, display
        return cls(display, Pretty)


class Progress:
    """One line of progress: updated in place in a notebook, rewritten
    with \\r on a terminal, logged every 15 s otherwise."""

    def __init__(self, enabled=True):
        self.enabled = enabled
        self._show = _NotebookLine.open() if enabled else None
        self._tty = enabled and self._show is None and sys.stderr.isatty()
        self._last_log = 0.0
        self._last = ""

    def update(self, text):
        if not self.enabled or text == self._last:
            return
        self._last = text
        if self._show:
            self._show(text)
        elif self._tty:
            sys.stderr.write("\r" + text + "\033[K")
            sys.stderr.flush()
        elif time.monotonic() - self._last_log >= 15:
            self._last_log = time.monotonic()
            logger.info("%s", text)

    def finish(self, text):
        """The last state: shown in place, or logged once."""
        if not self.enabled:
            return
        if self._show:
            self._show(text)
        elif self._tty:
            sys.stderr.write("\r" + text + "\033[K\n")
        else:
            logger.info("%s", text)


def follow(api, op_id, timeout, progress=None, describe=None, privileged=False):
    """Wait for operation op_id to end: its final state (a dict), or None
    when timeout seconds pass first. describe(elapsed) returns the
    progress text, refreshed between long polls."""
    start = time.monotonic()
    path = "/operations/" + quote(op_id, safe="")
    while True:
        remaining = timeout - (time.monotonic() - start)
        wait = max(0.0, min(POLL_SECONDS, remaining))
        op = api.call("GET", path, params={"wait": f"{wait:.3f}s"}, privileged=privileged, wait=wait)
        elapsed = time.monotonic() - start
        if op["state"] in DONE:
            if progress and describe:
                progress.finish(describe(elapsed))
            return op
        if elapsed >= timeout:
            return None
        if progress and describe:
            progress.update(describe(elapsed))


def failure(what, op):
    """The message of a failed operation; the controller's advice to
    delete again with ?forget=true is given in the SDK's terms."""
    msg = f"{what} failed: {op.get('error', '')}"
    if "forget=true" in msg:
        msg += "\n(in this SDK: cleanup(forget=True), delete_units(..., forget=True) or delete_nodes(..., forget=True))"
    return msg
