"""``streamprobe report REPORT.json [...] -o FILE.html``: reports as one offline HTML page."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("report_paths", metavar="REPORT.json...", nargs=-1, required=True,
                type=click.Path(path_type=Path))
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              metavar="FILE.html", help="Where to write the page.")
@click.option("--title", default="streamprobe report", show_default=True,
              help="The page's title.")
def report(report_paths: tuple[Path, ...], output: Path, title: str) -> None:
    """Render one or more report JSON files (check, analyze, watch windows) as one
    self-contained HTML page: verdicts and checks, timelines side by side with freezes and
    events marked, and thumbnails of the frames around each event. No network request is made
    when it opens.

    Exit codes: 0 written, 2 a file is not a streamprobe report (the message names it).
    """
    from probe.render.html import write_html
    from probe.render.report_files import load_result

    write_html([load_result(path) for path in report_paths], output, title)
