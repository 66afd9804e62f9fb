"""Command-line interface: parse arguments, call the API, print. No logic lives here.

Exit codes: 0 ok, 2 bad usage or unreadable input, 1 any other failure. ``--json`` prints
one JSON object on stdout; readable tables otherwise; progress and warnings go to stderr.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from flightcheck import __version__
from flightcheck.errors import FlightcheckError, UsageError


def _fail(message: str, code: int) -> None:
    click.echo(f"flightcheck: error: {message}", err=True)
    sys.exit(code)


def guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn flightcheck errors into one line on stderr and the contract's exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FlightcheckError as exc:
            _fail(str(exc), exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the contract: never a traceback
            if os.environ.get("FLIGHTCHECK_DEBUG"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} "
                  "(set FLIGHTCHECK_DEBUG=1 for details and please report it)", 1)

    return wrapper


def emit_json(obj: Any) -> None:
    """Print one JSON object on stdout."""
    from flightcheck.jsonout import dumps

    sys.stdout.buffer.write(dumps(obj) + b"\n")
    sys.stdout.flush()


def input_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command that reads track files shares."""
    options = [
        click.argument("paths", nargs=-1, required=True),
        click.option("--format", "fmt", default=None, metavar="NAME",
                      help="Force a reader instead of sniffing (see `flightcheck formats`)."),
        click.option("--skip-bad", is_flag=True,
                      help="Skip bad records and unreadable files, and count them."),
        click.option("--tz", default="UTC", show_default=True,
                      help="Time zone of inputs that carry none (SBS logs of dump1090 forks)."),
        click.option("--column", "columns", multiple=True, metavar="FIELD=NAME",
                      help="Plain CSV: map a track column to an input column, e.g. time=ts."),
        click.option("--hex", "icao24", default=None, metavar="HEX",
                      help="ICAO address for formats that have none (FR24, FlightAware)."),
        click.option("--max-decompressed", default=2 << 30, show_default=True, type=int,
                      help="Refuse inputs that decompress to more bytes than this."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def read_inputs(paths: tuple[str, ...], fmt: str | None, skip_bad: bool, tz: str,
                columns: tuple[str, ...], icao24: str | None, max_decompressed: int):
    """Call :func:`flightcheck.read` with the shared options; warn about skipped files."""
    from flightcheck.read import read

    mapping: dict[str, str] = {}
    for item in columns:
        if "=" not in item:
            raise UsageError(f"--column {item!r}: expected FIELD=NAME, e.g. time=timestamp")
        key, value = item.split("=", 1)
        mapping[key.strip()] = value.strip()
    tracks = read(list(paths), format=fmt, skip_bad=skip_bad, tz=tz, columns=mapping or None,
                  icao24=icao24, max_decompressed=max_decompressed)
    for path, why in tracks.skipped:
        click.echo(f"flightcheck: skipped {path}: {why}", err=True)
    for rec in tracks.inputs:
        bad = sum(v for k, v in rec.dropped.items() if k.startswith("bad record"))
        if bad:
            click.echo(f"flightcheck: {rec.path}: skipped {bad} bad records", err=True)
    return tracks


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flightcheck")
def main() -> None:
    """flightcheck: verify claims about aircraft movements from track exports."""


@main.command()
@input_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--gaps", "n_gaps", default=3, show_default=True,
              help="Largest gaps to list per aircraft.")
@guarded
def inspect(paths, fmt, skip_bad, tz, columns, icao24, max_decompressed, as_json, n_gaps):
    """Aircraft, points, time span, format, sha256 and largest gaps per input."""
    from flightcheck.inspection import inspect_report, render_inspect

    tracks = read_inputs(paths, fmt, skip_bad, tz, columns, icao24, max_decompressed)
    report = inspect_report(tracks, n_gaps=n_gaps)
    if as_json:
        emit_json(report)
    else:
        render_inspect(report)


@main.command("formats")
@guarded
def formats_cmd():
    """List the input formats flightcheck reads (values of --format)."""
    from flightcheck import io

    for name, module in sorted(io.formats().items()):
        doc = (module.__doc__ or "").strip().splitlines()[0]
        click.echo(f"{name:20s} {doc}")


if __name__ == "__main__":  # pragma: no cover
    main()
