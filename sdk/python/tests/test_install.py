"""`pip install ./sdk/python` works offline (Debian's pip and setuptools,
no index), and the installed package imports as upstream's does."""

import os
import shutil
import subprocess
import sys

PKG = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def test_pip_install_offline(tmp_path):
    src = tmp_path / "src"  # a copy: building in place would litter the checkout
    shutil.copytree(PKG, src, ignore=shutil.ignore_patterns("tests", "examples", "__pycache__", "*.egg-info", "build"))
    venv = tmp_path / "venv"
    # Debian's pip, requests and PyYAML are the system's: the venv sees them.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    out = subprocess.run([py, "-m", "pip", "install", "--no-index", "--quiet", str(src)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    probe = ("from vcpsdk.vcpsdk import VcpSDK\nfrom vcpsdk import vcpsdk\nfrom common import logsetting\n"
             "import vcpsdk as p\nprint(p.__file__, vcpsdk.VcpSDK is VcpSDK, logsetting.FORMAT)")
    out = subprocess.run([py, "-c", probe], capture_output=True, text=True, cwd=str(tmp_path), env=dict(os.environ, PYTHONPATH=""))
    assert out.returncode == 0, out.stderr
    where, same, fmt = out.stdout.split(" ", 2)
    assert where.startswith(str(venv)) and same == "True" and "%(levelname)s" in fmt
