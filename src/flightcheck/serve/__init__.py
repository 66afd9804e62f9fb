"""``flightcheck serve``: the investigator's workbench, a local offline web page for one case.

Map, timeline, verdicts and findings on one page; annotations and claims written to
``case.toml`` by the same functions as ``flightcheck case``; re-verification in the
background; every edit recorded and undoable. Local only: loopback address, a random token
on every request, Origin checked on edits, nothing fetched from the network.
"""

from flightcheck.serve.app import Settings, create_app
from flightcheck.serve.server import bind, run, running, url

__all__ = ["Settings", "bind", "create_app", "run", "running", "url"]
