"""A real vcc-host (bin/vcc-host from `make build`) with the sim plugin,
run for a test session: the SDK is tested against the controller itself,
never a stand-in."""

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = os.path.join(REPO, "bin")

# sim answers at once by default; "slow" makes every cloud call take
# 1.5 s, for tests that need a change to still be running; "broken"
# fails every call (retryable: the engine gives up after 5 attempts).
CATALOG = """cci_version: '1.0'
sim:
  default: {}
  slow: {latency_ms: 1500}
  broken: {failure_rate: 1}
"""


class Host:
    """One `vcc-host serve` on 127.0.0.1 with a fresh data dir."""

    def __init__(self, plugins=("vcc-provider-sim",), catalog=CATALOG, env=None, args=()):
        host_bin = os.path.join(BIN, "vcc-host")
        if not os.access(host_bin, os.X_OK):
            raise RuntimeError(f"{host_bin} is missing: run `make build` first (make test-python does)")
        self.root = tempfile.mkdtemp(prefix="vcc-pytest-")
        self.data, self.config, plugins_dir = (os.path.join(self.root, d) for d in ("data", "config", "bin/plugins"))
        for d in (self.data, self.config, plugins_dir):
            os.makedirs(d)
        # Only the plugins asked for (the simulator by default): vcc-host
        # also loads the plugins beside its binary, so it runs from a copy
        # whose plugins/ holds them alone.
        self.bin = os.path.join(self.root, "bin", "vcc-host")
        shutil.copy2(host_bin, self.bin)
        for name in plugins:
            for f in (name, name + ".sha256"):
                if not os.path.exists(os.path.join(BIN, "plugins", f)):
                    raise RuntimeError(f"bin/plugins/{f} is missing: run `make python-host` (make test-python does)")
                shutil.copy2(os.path.join(BIN, "plugins", f), plugins_dir)
        with open(os.path.join(self.config, "vpn_catalog.yml"), "w") as f:
            f.write(catalog)
        env = dict(os.environ, VCC_PLUGIN_DIR="", VCC_SIM_STATE_DIR="", **(env or {}))
        args = [self.bin, "serve", "--data", self.data, "--config", self.config, "--cert", os.path.join(self.data, "no-cert"), "--dev-ca",
                "--plugin-dir", plugins_dir, "--listen", "127.0.0.1:0", "--metrics-listen", "off", "--serf-listen", "127.0.0.1:0",
                "--log-level", "warn", "--reconcile-interval", "0", *args]
        self.log_path = os.path.join(self.root, "host.log")
        self._log = open(self.log_path, "wb")
        # cwd: the data dir, so no .env of the checkout is read.
        self.proc = subprocess.Popen(args, cwd=self.data, env=env, stdout=subprocess.PIPE, stderr=self._log)
        self.url = self.fingerprint = None
        self._read_banner()
        self.port = int(self.url.rsplit(":", 1)[1])
        self.ca = os.path.join(self.data, "tls", "ca.pem")
        with open(os.path.join(self.data, "admin.token")) as f:
            self.admin_token = f.read().strip()

    def _read_banner(self):
        deadline = time.monotonic() + 30
        for raw in self.proc.stdout:
            line = raw.decode().strip()
            if "listening on " in line:
                self.url = line.split("listening on ", 1)[1].split(" ", 1)[0]
            if line.startswith("CA fingerprint (SHA-256): "):
                self.fingerprint = line.split(": ", 1)[1]
            if "controller id: " in line:
                break
            if time.monotonic() > deadline:
                break
        if not self.url or not self.fingerprint:
            self.stop()
            raise RuntimeError(f"vcc-host serve did not start; its log: {self.log_path}")
        # Keep draining stdout so the host never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()

    def cli(self, *args):
        """Run a vcc-host admin command on this host; its stdout."""
        out = subprocess.run([self.bin, *args, "--data", self.data], capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"vcc-host {' '.join(args)}: exit {out.returncode}: {out.stderr}")
        return out.stdout.strip()

    def user_token(self, user, role="regular", *extra):
        """A token of user (made with the role on first use)."""
        if user not in self.cli("users", "list"):
            self.cli("users", "add", user, role)
        return self.cli("token", "create", user, *extra)

    def logs(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        shutil.rmtree(self.root, ignore_errors=True)
