"""The ``streamprobe`` command line: parse flags, call the library, render the result.

The CLI is thin (STYLE.md): every command calls one library function that returns a result object,
then renders it. ``ProbeError`` becomes a one-line message and exit code 2; ``--debug`` prints
its traceback first (the exit code stays 2). Heavy modules are imported inside the commands so ``streamprobe --help`` starts fast.
"""

from __future__ import annotations

import sys
import traceback

import click

from probe.errors import ProbeError

EXIT_OK = 0  # pass or warn
EXIT_FAIL = 1  # a threshold breached
EXIT_CANNOT_MEASURE = 2  # bad arguments, unreachable endpoint, no media before the timeout
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT); a check stopped by SIGTERM exits 143


class ProbeGroup(click.Group):
    """Maps ``ProbeError`` (and click usage errors) to exit code 2 with a one-line message."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except ProbeError as err:
            if ctx.obj and ctx.obj.get("debug"):  # the traceback, then the same line and code
                traceback.print_exc()
            click.echo(f"streamprobe: error: {err}", err=True)
            ctx.exit(EXIT_CANNOT_MEASURE)
        except KeyboardInterrupt as err:  # Ctrl-C: 130; SIGTERM during a check: 143
            click.echo("streamprobe: interrupted", err=True)
            ctx.exit(getattr(err, "exit_code", EXIT_INTERRUPTED))


@click.group(cls=ProbeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.version_option(package_name="streamprobe")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Stream-quality probe for live video.

    Exit codes: 0 pass or warn, 1 fail (a threshold breached), 2 the probe could not measure
    (bad arguments, unreachable endpoint, no media before the timeout).
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if debug:
        import logging

        logging.basicConfig(level=logging.DEBUG)


def main() -> None:
    """Console-script entry point: commands end with ``ctx.exit(code)``; usage errors exit 2."""
    try:
        code = cli.main(prog_name="streamprobe", standalone_mode=False)
    except click.ClickException as err:
        err.show()
        sys.exit(EXIT_CANNOT_MEASURE)
    except click.Abort:
        click.echo("streamprobe: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


# Commands are registered here, one line each; each lives in its own module.
from probe.cli.bench import bench  # noqa: E402
from probe.cli.check import analyze, check, serve  # noqa: E402
from probe.cli.compare import compare  # noqa: E402
from probe.cli.fleet import fleet  # noqa: E402
from probe.cli.report import report  # noqa: E402
from probe.cli.retention import retention  # noqa: E402
from probe.cli.watch import watch  # noqa: E402

for command in (check, analyze, serve, watch, fleet, retention, bench, report, compare):
    cli.add_command(command)
