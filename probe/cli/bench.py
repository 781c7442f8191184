"""``streamprobe bench SUITE.toml``: a CI benchmark suite with budgets and a noise-proof baseline."""

from __future__ import annotations

from pathlib import Path

import click

from probe.cli import interrupt
from probe.cli.options import progress_line


@click.command()
@click.argument("suite_path", metavar="SUITE.toml", type=click.Path(path_type=Path))
@click.option("--junit", "junit_path", type=click.Path(path_type=Path), metavar="FILE.xml",
              help="Write JUnit XML: a testcase per case and check, budget or tracked figure.")
@click.option("--json", "json_to", metavar="PATH|-",
              help="Write the result as JSON (schema streamprobe.bench/1); '-' for stdout.")
@click.option("--markdown", "markdown_path", type=click.Path(path_type=Path), metavar="FILE",
              help="Write a Markdown summary (e.g. to $GITHUB_STEP_SUMMARY).")
@click.option("--baseline", "baseline_path", type=click.Path(path_type=Path), metavar="FILE",
              help="Compare each tracked figure with this saved baseline: SAME, DIFFERENT or "
                   "UNKNOWN (more runs); a worse DIFFERENT beyond the figure's minimum effect is "
                   "a regression.")
@click.option("--save-baseline", "save_path", type=click.Path(path_type=Path), metavar="FILE",
              help="Save this run's samples as a baseline for later runs.")
@click.option("--repeats", type=click.IntRange(1, 100), metavar="N",
              help="Runs per case (overrides the suite's repeats).")
@click.option("--benchmark-action", "action_prefix", type=click.Path(path_type=Path),
              metavar="PREFIX",
              help="Write PREFIX-bigger.json and PREFIX-smaller.json in github-action-benchmark's "
                   "custom format.")
@click.option("--html", "html_path", type=click.Path(path_type=Path), metavar="FILE.html",
              help="Write a self-contained HTML page: every case's figures, and its last run.")
@click.pass_context
def bench(ctx: click.Context, suite_path: Path, junit_path: Path | None, json_to: str | None,
          markdown_path: Path | None, baseline_path: Path | None, save_path: Path | None,
          repeats: int | None, action_prefix: Path | None, html_path: Path | None) -> None:
    """Run a CI benchmark suite: each case repeated, limited by budgets, compared with a baseline.

    Exit codes: 0 pass or warn, 1 a budget or check breached or a regression, 2 a case could not
    measure or the suite is bad (the message names the case and key).
    """
    from probe.render.benchmark_action import write_benchmark_action
    from probe.render.bench_summary import print_bench, write_bench_html, write_markdown
    from probe.render.json_file import write_json
    from probe.render.junit import write_junit
    from probe.suite.baseline import baseline_of, load_baseline
    from probe.suite.runner import RunProgress, run_suite
    from probe.suite.spec import load_suite

    suite = load_suite(suite_path)
    baseline = load_baseline(baseline_path) if baseline_path is not None else None
    with progress_line(json_to != "-", "bench") as update:
        def on_progress(p: RunProgress) -> None:
            update(p.run - 1, p.runs,  # type: ignore[misc]
                   f"case {p.case_index}/{p.cases} {p.case}: run {p.run}/{p.runs}")

        result = interrupt.run(run_suite(suite, baseline, repeats,
                                         on_progress if update else None))
    if json_to:
        write_json(result.to_dict(), json_to)
    if junit_path is not None:
        write_junit(result, junit_path)
    if markdown_path is not None:
        write_markdown(result, markdown_path)
    if save_path is not None:
        write_json(baseline_of(result), str(save_path))
    if action_prefix is not None:
        write_benchmark_action(result, action_prefix)
    if html_path is not None:
        write_bench_html(result, html_path)
    if json_to != "-":
        print_bench(result)
    ctx.exit(result.exit_code)
