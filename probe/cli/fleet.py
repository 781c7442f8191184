"""``streamprobe fleet``: watches as Ray actors, sized by the measured cost per stream."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from probe.cli import interrupt
from probe.cli.watch import watch_options, watch_run_options


@click.command()
@click.argument("spec_path", metavar="SPEC.toml", type=click.Path(path_type=Path))
@click.option("--timeline", "timeline_dir", type=click.Path(path_type=Path), required=True,
              metavar="DIR", help="Write the fleet's output here (a new or empty directory): "
                                  "timeline.jsonl (watch's rows plus probe outage and overload "
                                  "records), summary.json, prometheus_sd.json, parts/.")
@click.option("--ray", "ray_address", metavar="ADDRESS",
              help="Join this Ray cluster (e.g. 'auto', 'ray://head:10001') [default: start a "
                   "local Ray on this machine's cores].")
@click.option("--metrics-port", type=click.IntRange(0, 65535), metavar="N",
              help="Each probe serves Prometheus metrics on port N + its index (0: free "
                   "ports), listed in DIR/prometheus_sd.json for file-based discovery.")
@click.option("--json", "json_to", metavar="PATH|-",
              help="Also write the summary (schema streamprobe.fleet/1) here; '-' for stdout.")
@watch_run_options
def fleet(spec_path: Path, timeline_dir: Path, ray_address: str | None,
          metrics_port: int | None, json_to: str | None, **run: Any) -> None:
    """Watch the streams of SPEC.toml (or a load test of one) with probes on Ray.

    Each probe is a Ray actor, in its own process, watching its share of the streams as `watch`
    does; it reserves CPUs by the measured cost per stream. A probe that dies is restarted and
    its streams resume; the gap is a probe outage in the timeline, not a stream outage. A
    probe that falls behind flags its streams, and their stutter is counted as the probe's.

    Exit codes: 0 watched until --duration, 2 bad SPEC or arguments, no room in the cluster, or
    no frame from any stream, 130 Ctrl-C, 143 SIGTERM (the timeline is merged first).
    """
    from probe.fleet.scheduler import FleetOptions, run_fleet
    from probe.fleet.spec import load_spec

    options = FleetOptions(spec=load_spec(spec_path),
                           watch=watch_options(timeline_dir / "unused.jsonl", **run),
                           timeline_dir=timeline_dir, ray_address=ray_address,
                           metrics_port=metrics_port)
    result = interrupt.run(run_fleet(options))
    from probe.render.json_file import write_json

    if json_to:
        write_json(result.to_dict(), json_to)
    if json_to != "-":
        from probe.render.fleet_table import render_fleet

        render_fleet(result)
