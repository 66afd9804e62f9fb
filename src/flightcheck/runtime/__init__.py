"""How work runs: the one parallel policy (``forking``), paused garbage collection
(``gcpause``) and the private pandas/numpy paths with their fallbacks (``compat``)."""
