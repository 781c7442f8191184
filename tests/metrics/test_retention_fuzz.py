"""Property-based fuzzing of the session CSV reader (issue 15): any file is analysed or is one
``RetentionInputError`` line naming the file; never another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.retention import RetentionInputError, analyze_retention

HEADER = "viewer_id,stream_id,join_ts,leave_ts,tier"
times = st.one_of(st.integers(0, 3000).map(lambda t: str(1000 + t)),
                  st.sampled_from(["", "nan", "inf", "1e300", "-1", "1700000000000",
                                   "2024-01-01T00:00:00Z", "2024-13-01", "yesterday", "1e11"]))
cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6)
tiers = st.one_of(st.sampled_from(["SD", "HD", "4k", "NaN", ""]), cells)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    rows = []
    for i in range(draw(st.integers(0, 60))):
        join = draw(times)
        rows.append(",".join([draw(st.one_of(st.just(f"v{i}"), cells)), "s1", join,
                              draw(times), draw(tiers)]))
    base = [f"g{i},s1,{1000 + i},{1100 + 3 * i},{'SD' if i % 2 else 'HD'}" for i in range(40)]
    text = "\n".join([draw(st.sampled_from([HEADER, HEADER + ",x", "a,b", ""])), *base, *rows])
    data = text.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):  # a damaged byte somewhere
        at = draw(st.integers(0, max(0, len(data) - 1)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=3)) + data[at + 1:]
    return data


@settings(max_examples=60, deadline=None)
@given(data=csv_files(), skip=st.booleans())
def test_any_csv_is_analysed_or_one_named_error(data: bytes, skip: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sessions.csv"
        path.write_bytes(data)
        try:
            result = analyze_retention(path, "tier", bootstrap_replicates=3, skip_bad_rows=skip)
        except RetentionInputError as err:
            assert str(path) in str(err) and "\n" not in str(err), str(err)
            return
        assert result.sessions >= 20 and len(result.tiers) >= 2
