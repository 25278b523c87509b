"""vcpsdk for vcc: upstream's VCP SDK API (from vcpsdk.vcpsdk import
VcpSDK) over vcc's REST API."""

__version__ = "25.04.0+vcc.1"
