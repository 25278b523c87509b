"""examples/handson.ipynb, executed headless (jupyter nbconvert
--execute, Debian's jupyter-nbconvert and python3-ipykernel) against the
session's controller; its outputs must show the nodes RUNNING."""

import json
import os
import shutil
import subprocess
import sys

PKG = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
NOTEBOOK = os.path.join(PKG, "examples", "handson.ipynb")
# A copy of the executed notebook is kept here (git-ignored) to look at.
KEEP = os.path.abspath(os.path.join(PKG, "..", "..", "bin", "handson.executed.ipynb"))


def source(cell):
    return "".join(cell["source"])


def texts(cell):
    """Everything a code cell showed, as text."""
    out = []
    for o in cell.get("outputs", []):
        out.append("".join(o.get("text", "")))
        for mime in ("text/plain", "text/html"):
            out.append("".join(o.get("data", {}).get(mime, "")))
    return "\n".join(out)


def test_handson_notebook_runs_headless(tmp_path, host, alice, config_dir):
    have = subprocess.run([sys.executable, "-c", "import nbconvert, ipykernel"], capture_output=True, text=True)
    assert have.returncode == 0, ("headless notebooks need Debian's jupyter-nbconvert and python3-ipykernel "
                                  "(apt-get install jupyter-nbconvert python3-ipykernel): " + have.stderr)
    env = dict(os.environ, VCC_ACCESS_TOKEN=alice, VCPSDK_CONFIG_DIR=config_dir,
               PYTHONPATH=PKG + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute",
                          "--ExecutePreprocessor.timeout=120", "--output-dir", str(tmp_path), "--output", "executed.ipynb",
                          NOTEBOOK], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    executed = tmp_path / "executed.ipynb"
    os.makedirs(os.path.dirname(KEEP), exist_ok=True)
    shutil.copy(executed, KEEP)
    cells = [c for c in json.loads(executed.read_text())["cells"] if c["cell_type"] == "code"]
    assert not [o for c in cells for o in c["outputs"] if o["output_type"] == "error"]
    shown = [texts(c) for c in cells]

    version = next(t for t in shown if "vc_controller:" in t)
    assert "vc_controller: 25.04.0" in version
    assert any("no spec attribute 'vm_size'" in t for t in shown)
    created = next(i for i, c in enumerate(cells) if "create_unit('server'" in source(c))
    # The progress line, updated in place, ends with every node running.
    assert "create_unit server: 2/2 nodes RUNNING" in shown[created]
    assert shown[created].count("RUNNING") >= 2
    scaled = next(i for i, c in enumerate(cells) if "add_nodes(num_add_nodes=2)" in source(c))
    html = "".join("".join(o["data"]["text/html"]) for o in cells[scaled]["outputs"] if "text/html" in o.get("data", {}))
    assert html.count("<td>RUNNING</td>") == 8  # 4 nodes: unit_state and node_state
    last_table = shown[-2]
    assert "POWER_OFF" not in last_table and last_table.count("RUNNING") >= 4
    assert shown[-1].strip().endswith("None")  # cleaned up
