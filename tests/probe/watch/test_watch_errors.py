"""``streamprobe watch`` refuses bad input with one line and exit 2, before joining anything."""

from __future__ import annotations

import pytest

from tests.probe.cli.test_cli import run_cli


@pytest.mark.parametrize("args, message", [
    (["http://127.0.0.1:9/whep/a"], "Missing option '--timeline'"),
    (["ftp://example.org/x", "--timeline", "{t}"], "ftp"),
    (["http://127.0.0.1:9/whep/a", "--timeline", "{t}", "--stream-id", "a", "--stream-id", "b"],
     "one --stream-id per URL"),
    (["http://127.0.0.1:9/whep/a", "--timeline", "{t}", "--window", "0.5"], "--window"),
    (["http://127.0.0.1:9/whep/a", "--timeline", "{t}", "--clarity-fps", "0"],
     "--clarity-fps"),
    (["http://127.0.0.1:9/whep/a", "--timeline", "{t}", "--impair", "loss=5%"],
     "embedded test room only"),
    (["http://127.0.0.1:9/whep/a", "--timeline", "/nonexistent/dir/t.jsonl"], "cannot write"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args: list[str], message: str) -> None:
    done = run_cli("watch", *(a.format(t=tmp_path / "t.jsonl") for a in args), timeout_s=30)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len([line for line in done.stderr.splitlines() if "rror:" in line]) == 1


def test_a_stream_that_never_answers_is_an_outage_then_exit_2(tmp_path) -> None:
    """Nothing listens on the port: every join fails, the timeline records the outage."""
    timeline = tmp_path / "t.jsonl"
    done = run_cli("watch", "http://127.0.0.1:9/whep/a", "--timeline", str(timeline),
                   "--duration", "4", "--timeout", "1", timeout_s=60)
    assert done.returncode == 2, done.stderr
    assert "no video frame from any stream" in done.stderr
    rows = timeline.read_text().splitlines()
    assert 2 <= len(rows) <= 4 and all('"connected": false' in r for r in rows)


