"""Property-based fuzzing of the CLI's flags and URLs (issue 15), in-process through ``main``.

Every URL points at 127.0.0.1 or ::1 on a closed port, or does not parse: nothing leaves the
host. Each example asserts: exit code 0, 1 or 2, no traceback, and an error is one line.
"""

from __future__ import annotations

import contextlib
import io
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probe.cli import main

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e999", "0", "-0", "1e-320", "", "ten", "0x10",
                     "1_000", " 5"]),
    st.integers(-10**6, 10**6).map(str))
hosts = st.sampled_from(["127.0.0.1:1", "[::1]:1", "[::1", "127.0.0.1:99999", "127.0.0.1:x",
                         "", "[fe80::1%25lo]:1", "@127.0.0.1:1", "user:pw@127.0.0.1:1"])
urls = st.builds(lambda scheme, host, path: f"{scheme}://{host}{path}",
                 st.sampled_from(["http", "https", "janus", "ftp", "HTTP", ""]), hosts,
                 st.one_of(st.sampled_from(["/whep/x", "", "/", "/1234?feed=x"]),
                           st.text(alphabet="/%?#[]@:ab0", max_size=12)))


def run_main(args: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    argv = sys.argv
    sys.argv = ["streamprobe", *args]
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
                pytest.raises(SystemExit) as done:
            main()
    finally:
        sys.argv = argv
    code = done.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), err.getvalue()


@settings(max_examples=80, deadline=None)
@given(url=urls, duration=numbers, timeout=numbers, av_offset=numbers)
def test_check_flags_and_urls_exit_0_1_or_2_with_one_line(url: str, duration: str,
                                                          timeout: str, av_offset: str) -> None:
    code, err = run_main(["check", url, "--duration", duration, "--timeout", timeout,
                          "--av-offset", av_offset])
    assert code in (0, 1, 2), err
    assert "Traceback" not in err
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines and any("rror" in line for line in lines), err
