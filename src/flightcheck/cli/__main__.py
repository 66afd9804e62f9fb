"""``python -m flightcheck.cli``: the same as the ``flightcheck`` command."""

from flightcheck.cli import main

main()
