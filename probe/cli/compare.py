"""``streamprobe compare``: encoder settings side by side, through the live path or offline."""

from __future__ import annotations

from pathlib import Path

import click

from metrics.compare import BD_METHODS, COMPARE_SCHEMA, Constraints
from probe.cli.options import ImpairSpecParam, progress_line


@click.command()
@click.argument("source", required=False, type=click.Path(path_type=Path))
@click.option("--grid", "grid_path", required=True, type=click.Path(path_type=Path),
              metavar="GRID.toml",
              help="Settings to cross, each key a list: codec, bitrate_kbps, height, fps, "
                   "keyframe_interval_s, speed (libvpx cpu-used integer for vp8, x264 preset "
                   "for h264).")
@click.option("--impair", "impairments", type=ImpairSpecParam(), multiple=True,
              help="An impairment profile of the room-to-viewer link (repeatable; live only), "
                   "e.g. 'loss=2%,seed=1'. None: the unimpaired link.")
@click.option("--repeats", type=int, default=1, show_default=True,
              help="Runs of each setting under each profile (medians and spread across them).")
@click.option("--offline", is_flag=True,
              help="Encode SOURCE with each setting and score the files, without the network.")
@click.option("--duration", "duration_s", type=float, default=4.0, show_default=True,
              help="Seconds of video per run.")
@click.option("--timeout", "timeout_s", type=float, default=10.0, show_default=True,
              help="Bound on each wait of a live run (s).")
@click.option("--max-kbps", type=float, default=None,
              help="Bitrate budget of the recommendation (delivered kbps).")
@click.option("--max-freezes-per-min", type=float, default=1.0, show_default=True,
              help="Freeze budget of the recommendation, under every profile.")
@click.option("--bd-method", type=click.Choice(BD_METHODS), default="akima", show_default=True,
              help="Interpolation of the rate-quality curves for BD-rate.")
@click.option("--cache", "cache_dir", type=click.Path(path_type=Path), default=None,
              help="Folder of cached runs (default: $XDG_CACHE_HOME/streamprobe/compare); an "
                   "interrupted compare resumes from it.")
@click.option("--no-cache", is_flag=True, help="Run everything again; cache nothing.")
@click.option("--keep-encodes", type=click.Path(path_type=Path), default=None, metavar="DIR",
              help="Keep the offline encodes in DIR.")
@click.option("--json", "json_to", metavar="PATH|-",
              help=f"Write the result as JSON (schema {COMPARE_SCHEMA}); '-' for stdout.")
@click.option("--plot", "plot_to", type=click.Path(path_type=Path), metavar="FILE.png",
              help="Write the rate-quality curves (per configuration, per profile) as PNG.")
@click.option("--html", "html_to", type=click.Path(path_type=Path), metavar="FILE.html",
              help="Also write the result as a self-contained HTML page (table, BD-rates, plot).")
@click.pass_context
def compare(ctx: click.Context, source: Path | None, grid_path: Path, impairments: tuple,
            repeats: int, offline: bool, duration_s: float, timeout_s: float,
            max_kbps: float | None, max_freezes_per_min: float, bd_method: str,
            cache_dir: Path | None, no_cache: bool, keep_encodes: Path | None,
            json_to: str | None, plot_to: Path | None, html_to: Path | None) -> None:
    """Compare encoder settings: a ranked table, BD-rates and a recommendation.

    SOURCE is a video file (looped; --offline only) or, when absent, the stamped test pattern.
    Live (the default), each setting is published through the embedded test room and watched by
    the probe under each --impair profile. Exit 0 when the compare ran; 2 on bad input (a grid
    key, an empty list, a value the encoder refuses, a source that cannot be decoded).
    """
    from probe.compare.cache import default_cache_dir
    from probe.compare.runner import CompareOptions, run_compare
    from probe.render.compare_table import print_compare
    from probe.render.json_file import write_json

    options = CompareOptions(
        grid=grid_path, source=source, impairments=impairments, repeats=repeats,
        offline=offline, duration_s=duration_s, timeout_s=timeout_s,
        cache_dir=None if no_cache else (cache_dir or default_cache_dir()),
        encodes_dir=keep_encodes,
        constraints=Constraints(max_kbps, max_freezes_per_min), bd_method=bd_method)
    with progress_line(json_to != "-", "compare") as update:
        outcome = run_compare(options, update)
    if json_to:
        write_json(outcome.result.to_dict(), json_to)
    if plot_to is not None:
        from probe.render.compare_plot import write_rate_quality_plot

        write_rate_quality_plot(outcome.result, outcome.grid.varied, plot_to)
    if html_to is not None:
        from probe.render.compare_html import write_compare_html

        write_compare_html(outcome.result, outcome.grid.varied, html_to)
    if json_to != "-":
        print_compare(outcome.result, outcome.grid.varied)
        if outcome.cached:
            click.echo(f"{outcome.cached} of {len(outcome.runs)} runs from the cache "
                       f"({options.cache_dir})", err=True)
    ctx.exit(0)
