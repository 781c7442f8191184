"""The fleet's summary for people: one row per stream, the probe's troubles beside the stream's."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from probe.fleet.scheduler import FleetResult


def render_fleet(result: FleetResult, console: Console | None = None) -> None:
    """Print the per-stream table and one line per probe."""
    console = console or Console()
    table = Table(title=f"fleet: {len(result.streams)} streams, {len(result.probes)} probes")
    for header in ("stream", "seconds", "with media", "stream outage s", "frozen s (stream)",
                   "frozen s (probe)", "probe overloaded s", "probe outages (s)"):
        table.add_column(header, justify="left" if header == "stream" else "right")
    for s in result.streams:
        flag = " [bold yellow]probe overloaded[/]" if s.flagged else ""
        table.add_row(f"{s.key}{flag}", str(s.seconds), str(s.connected_s), str(s.outage_s),
                      str(s.frozen_s), str(s.frozen_probe_s), str(s.overloaded_s),
                      f"{s.probe_outages} ({s.probe_outage_s:g})")
    console.print(table)
    for probe in result.probes:
        console.print(f"{probe.name}: {probe.cores:g} cores reserved, {probe.restarts} restarts, "
                      f"streams {', '.join(probe.streams) or '-'}"
                      + (f", metrics {probe.metrics_address}" if probe.metrics_address else ""))
    console.print(f"timeline: {result.timeline}")
