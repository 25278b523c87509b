"""Helpers shipped beside vcpsdk, as upstream's notebooks expect them
(from common import logsetting)."""
