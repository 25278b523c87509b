"""Importing this module sets up logging the way upstream's notebooks
expect: INFO and above, "time - LEVEL - message", on stderr (a notebook
shows it under the cell). It leaves an already configured root logger
alone, so importing it twice or after your own setup changes nothing."""

import logging

FORMAT = "%(asctime)s - %(levelname)s - %(message)s"


def setup(level=logging.INFO):
    """Configure the root logger (once) and the SDK's logger level."""
    logging.basicConfig(level=level, format=FORMAT)
    logging.getLogger("vcp").setLevel(level)
    # pandas' numexpr announces its thread count at INFO on first use:
    # noise under a df_* cell.
    logging.getLogger("numexpr").setLevel(max(level, logging.WARNING))


setup()
