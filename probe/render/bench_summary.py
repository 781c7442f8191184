"""A suite run for people: a rich table on the terminal, and Markdown for a CI step summary."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from probe.errors import InputError
from probe.render.bench_text import limited_text, tracked_text
from probe.suite.result import CaseResult, SuiteResult

STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "error": "bold red"}
STATUS_ICON = {"pass": "✅", "warn": "⚠️", "fail": "❌", "error": "💥"}


def case_rows(case: CaseResult) -> list[tuple[str, str, str]]:
    """(status, what, detail) per limited figure, tracked figure and error of one case."""
    rows = [(item.status, f"{item.kind} {item.name}", limited_text(item))
            for item in case.limited]
    for tracked in case.tracked:
        comparison = tracked.comparison
        status = ("fail" if comparison is not None and comparison.regression else
                  "warn" if comparison is not None and comparison.verdict == "UNKNOWN" else
                  "pass")
        rows.append((status, f"baseline {tracked.path}", tracked_text(tracked)))
    rows += [("error", f"run {i}", error) for i, error in enumerate(case.errors, start=1)]
    rows += [("warn", "note", note) for note in case.notes]
    return rows


def print_bench(result: SuiteResult, console: Console | None = None) -> None:
    """One table per case, then a line per case and the suite's outcome."""
    console = console or Console()
    for case in result.cases:
        table = Table(title=f"{case.name}: {case.status.upper()} ({case.runs} runs)",
                      title_justify="left")
        for column in ("status", "figure", "detail"):
            table.add_column(column)
        for status, what, detail in case_rows(case):
            table.add_row(f"[{STATUS_STYLE[status]}]{status}[/]", what, detail)
        console.print(table)
    outcome = {0: "PASS", 1: "FAIL", 2: "COULD NOT MEASURE"}[result.exit_code]
    console.print(f"suite {result.name}: {outcome}")


def markdown(result: SuiteResult) -> str:
    """A Markdown summary fit for ``$GITHUB_STEP_SUMMARY``: one line per case, then details."""
    lines = [f"## streamprobe bench: {result.name}", "",
             "| case | status | runs | regressions | breached |", "|---|---|---|---|---|"]
    for case in result.cases:
        breached = sum(item.status == "fail" for item in case.limited)
        lines.append(f"| {case.name} | {STATUS_ICON[case.status]} {case.status} | {case.runs} "
                     f"| {len(case.regressions)} | {breached} |")
    for case in result.cases:
        lines += ["", f"### {case.name}", "", "| | figure | detail |", "|---|---|---|"]
        lines += [f"| {STATUS_ICON[status]} | `{what}` | {detail.replace('|', '/')} |"
                  for status, what, detail in case_rows(case)]
    machine = ", ".join(f"{k} {v}" for k, v in result.properties.items()
                        if k in ("streamprobe", "aiortc", "machine", "cpus"))
    lines += ["", f"<sub>{machine}</sub>", ""]
    return "\n".join(lines)


def write_bench_html(result: SuiteResult, path: Path) -> None:
    """The suite as an HTML page: a table of every case's figures, then each case's last run
    as a report, side by side."""
    from probe.render.html import Summary, write_html

    summaries = [Summary(f"{case.name}: {case.status} ({case.runs} runs)",
                         ("status", "figure", "detail"), tuple(case_rows(case)))
                 for case in result.cases]
    measured = [case for case in result.cases if case.reports]
    write_html([case.reports[-1] for case in measured], path, f"streamprobe bench {result.name}",
               summaries, labels=[f"{case.name} (last run)" for case in measured])


def write_markdown(result: SuiteResult, path: Path) -> None:
    try:
        path.write_text(markdown(result), encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot write: {err.strerror}") from err
