"""vcpsdk for vcc. Install offline with Debian's setuptools:
pip install ./sdk/python (a setup.py and no pyproject.toml, so pip builds
it with the setuptools already installed instead of fetching one)."""

from setuptools import setup

setup(
    name="vcpsdk-vcc",
    version="25.4.0+vcc.1",
    description="upstream's VCP SDK API (from vcpsdk.vcpsdk import VcpSDK) for the vcc controller",
    packages=["vcpsdk", "common"],
    python_requires=">=3.9",
    install_requires=["requests", "PyYAML"],
    extras_require={"tables": ["pandas"]},
)
