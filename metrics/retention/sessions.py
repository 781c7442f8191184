"""Read viewer sessions (CSV, Parquet or a DataFrame) with DuckDB, parse times, check every row.

A session is one row: ``viewer_id``, ``stream_id``, ``join_ts``, ``leave_ts``, a tier column and
optional covariate columns. Times are epoch seconds or ISO 8601 (ISO without an offset is read as
UTC). An empty ``leave_ts`` means the viewer was still watching when the data was exported, at
``observed_until`` (default: the latest timestamp in the data); a ``leave_ts`` after
``observed_until`` is likewise censored there. A missing covariate value is its own level,
``(missing)``: nothing is dropped for it.

Rows that cannot be used (missing ids, join or tier; unparseable times; leave before join; join
after ``observed_until``) raise ``RetentionInputError`` naming the file, the first such row (1-based
data row; for CSV also its line, header = line 1), the column and the value. With
``skip_bad_rows=True`` they are skipped instead and counted per reason in ``SessionTable.skipped``.
Nothing is dropped silently.

DuckDB reads the file in a streaming scan, so memory does not grow with the number of rows; the
tables built here are SQL views, evaluated by the aggregation queries of ``metrics.retention``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from metrics.retention.errors import RetentionInputError

if TYPE_CHECKING:
    import duckdb

REQUIRED_COLUMNS = ("viewer_id", "stream_id", "join_ts", "leave_ts")
# A tier or covariate with more levels than this is almost surely a numeric or id column; the
# stratified estimators need few levels, so the user is asked to bin it instead.
MAX_LEVELS = 20
MISSING_LEVEL = "(missing)"
MAX_HEADER_BYTES = 64 * 1024
DUPLICATE = "exact duplicate of an earlier row"
DUPLICATE_KEY = "viewer_id, stream_id, join_raw, leave_raw, tier"
# A tier with fewer sessions is left out (with a note); the uplift needs as many in a stratum
# (metrics.retention.uplift.MIN_STRATUM_SESSIONS).
MIN_TIER_SESSIONS = 10
SESSIONS_VIEW = "sessions"

# Plausible session times (epoch s): from 1970 to 1e11 s (year 5138). Beyond, a value is in other
# units (epoch milliseconds: 1.7e12 in 2024) or absurd (1e300), and would set the horizon.
PLAUSIBLE_TIME_S = (0.0, 1e11)

_NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                  "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "REAL")


@dataclass(frozen=True)
class BadRows:
    """Rows rejected for one reason: how many, and the first one (1-based data row)."""

    reason: str
    column: str
    count: int
    first_row: int
    first_value: str | None


@dataclass(frozen=True)
class SessionTable:
    """Validated sessions, as the DuckDB view ``SESSIONS_VIEW`` with columns ``viewer_id``,
    ``stream_id``, ``join_s``, ``exit_s`` (leave or censoring time, epoch s), ``event`` (left
    before ``observed_until``), ``tier_code`` (index into ``tiers``) and ``stratum_code`` (index
    into ``strata``).

    ``counts[i, j]`` is the number of sessions of ``tiers[i]`` in covariate stratum ``strata[j]``
    (a tuple of levels, one per covariate). ``max_follow_up_s`` is per tier, for the default
    horizon.
    """

    label: str
    tier_column: str
    covariates: tuple[str, ...]
    tiers: tuple[str, ...]
    strata: tuple[tuple[str, ...], ...]
    counts: np.ndarray
    skipped: tuple[BadRows, ...]
    observed_until_s: float
    max_follow_up_s: tuple[float, ...]
    small_tiers: tuple[tuple[str, int], ...] = ()  # (tier, sessions) left out: too few


def open_sessions(
    con: "duckdb.DuckDBPyConnection",
    source: Any,
    tier_column: str,
    covariates: tuple[str, ...] = (),
    observed_until_s: float | None = None,
    skip_bad_rows: bool = False,
) -> SessionTable:
    """Register ``source`` (path to .csv/.parquet, pandas DataFrame or Arrow table) on ``con``,
    check every row, and create the view ``SESSIONS_VIEW`` of the usable sessions.

    One streaming scan counts bad rows per reason, the sessions per tier and covariate stratum,
    and the follow-up per tier. Raises ``RetentionInputError`` for a missing column, a bad row
    (unless ``skip_bad_rows``), too many levels, or no usable session.
    """
    label, relation, is_csv = _register_source(con, source)
    types = _column_types(con, relation, label)
    wanted = (*REQUIRED_COLUMNS, tier_column, *covariates)
    missing = [c for c in wanted if c not in types]
    if missing:
        raise RetentionInputError(
            f"{label}: header: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (columns present: {', '.join(types) or 'none'})")
    if len(set(wanted)) != len(wanted):
        raise RetentionInputError(f"{label}: the tier column and covariates must be distinct "
                                  f"columns (got {', '.join(wanted[4:])})")

    _create_parsed_view(con, relation, label, types, tier_column, covariates, observed_until_s)
    duplicate = _first_duplicate(con, label, covariates)
    if duplicate is not None and not skip_bad_rows:
        count, row, original = duplicate
        where = f"row {row}" + (f" (line {row + 1})" if is_csv else "")
        more = f"; {count - 1} more duplicate row{'s' if count != 2 else ''}" if count > 1 else ""
        raise RetentionInputError(
            f"{label}: {where}, columns {', '.join(wanted)}: {DUPLICATE} (row {original}){more}; "
            "fix the file or pass --skip-bad-rows to skip bad rows with a count")
    if duplicate is not None:  # counted among the skipped rows, like any bad row
        _create_parsed_view(con, relation, label, types, tier_column, covariates,
                            observed_until_s, dedupe=True)
    cov_cols = [f"cov{i}" for i in range(len(covariates))]
    levels = ", ".join(f"CASE WHEN problem IS NULL THEN {c} END AS {c}"
                       for c in ["tier", *cov_cols])
    # When observed_until is the default (latest timestamp) no leave_ts lies beyond it.
    until_expr = "leave_s" if observed_until_s is None else f"least(leave_s, {observed_until_s!r})"
    cursor = _execute(con, label, f"""
        SELECT problem, problem_column, {levels}, count(*) AS n,
               min(src_row) AS first_row, arg_min(problem_value, src_row) AS first_value,
               max(greatest(join_s, coalesce(leave_s, join_s))) AS latest_s,
               max({until_expr} - join_s) FILTER (WHERE leave_s IS NOT NULL) AS closed_s,
               min(join_s) FILTER (WHERE leave_s IS NULL) AS open_join_s
        FROM parsed
        GROUP BY ALL
    """)
    names = [d[0] for d in cursor.description]
    groups = [dict(zip(names, row)) for row in cursor.fetchall()]

    # Bad rows have NULL levels, so there is one group per (reason, column).
    bad = sorted((BadRows(g["problem"], g["problem_column"], g["n"], g["first_row"],
                          g["first_value"]) for g in groups if g["problem"] is not None),
                 key=lambda b: b.first_row)
    if bad and not skip_bad_rows:
        first = bad[0]
        where = f"row {first.first_row}" + (f" (line {first.first_row + 1})" if is_csv else "")
        more = sum(b.count for b in bad) - 1
        tail = f"; {more} more bad row{'s' if more != 1 else ''}" if more else ""
        value = "" if first.first_value is None else f" (value {first.first_value!r})"
        raise RetentionInputError(
            f"{label}: {where}, column {first.column}: {first.reason}{value}{tail}; fix the file "
            f"or pass --skip-bad-rows to skip bad rows with a count")

    good = [g for g in groups if g["problem"] is None]
    if not good:
        raise RetentionInputError(f"{label}: no usable sessions")
    per_tier: dict[str, int] = {}
    for g in good:
        per_tier[g["tier"]] = per_tier.get(g["tier"], 0) + g["n"]
    # A tier too small to estimate (one stray "4k" or "NaN" row) is left out, with a note: it
    # must not abort the analysis of the others, nor become their default baseline.
    _check_levels(label, tier_column, list(per_tier))
    small = tuple((t, n) for t, n in sorted(per_tier.items()) if n < MIN_TIER_SESSIONS)
    if len(small) == len(per_tier):
        raise RetentionInputError(
            f"{label}: column {tier_column}: no tier has {MIN_TIER_SESSIONS} or more sessions "
            f"({', '.join(f'{t!r}: {n}' for t, n in small)}); too few to estimate")
    good = [g for g in good if per_tier[g["tier"]] >= MIN_TIER_SESSIONS]
    tiers = _level_order({g["tier"] for g in good})
    strata = sorted({tuple(g[c] for c in cov_cols) for g in good})
    for i, name in enumerate(covariates):
        _check_levels(label, name, sorted({s[i] for s in strata}))

    latest = max(g["latest_s"] for g in good)
    until = latest if observed_until_s is None else float(observed_until_s)
    tier_index = {t: i for i, t in enumerate(tiers)}
    stratum_index = {s: j for j, s in enumerate(strata)}
    counts = np.zeros((len(tiers), len(strata)), dtype=np.int64)
    follow_up = np.zeros(len(tiers))
    for g in good:
        i = tier_index[g["tier"]]
        counts[i, stratum_index[tuple(g[c] for c in cov_cols)]] += g["n"]
        if g["closed_s"] is not None:
            follow_up[i] = max(follow_up[i], g["closed_s"])
        if g["open_join_s"] is not None:
            follow_up[i] = max(follow_up[i], until - g["open_join_s"])

    # Strata and tiers become small integer codes here, so later queries group by integers.
    columns = ", ".join(["code INTEGER", *(f"{c} VARCHAR" for c in cov_cols)])
    con.execute(f"CREATE OR REPLACE TEMP TABLE strata_codes ({columns})")
    con.executemany(f"INSERT INTO strata_codes VALUES ({', '.join('?' * (1 + len(cov_cols)))})",
                    [[j, *stratum] for j, stratum in enumerate(strata)])
    join = f"JOIN strata_codes USING ({', '.join(cov_cols)})" if cov_cols else \
        "CROSS JOIN strata_codes"
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW {SESSIONS_VIEW} AS
        SELECT viewer_id, stream_id, join_s,
               least(coalesce(leave_s, {until!r}), {until!r}) AS exit_s,
               coalesce(leave_s <= {until!r}, false) AS event,
               list_position({_sql_list(tiers)}, tier) - 1 AS tier_code, code AS stratum_code
        FROM parsed {join}
        WHERE problem IS NULL AND list_position({_sql_list(tiers)}, tier) IS NOT NULL
    """)
    return SessionTable(label=label, tier_column=tier_column, covariates=tuple(covariates),
                        tiers=tuple(tiers), strata=tuple(strata), counts=counts,
                        skipped=tuple(bad) if skip_bad_rows else (),
                        observed_until_s=until, max_follow_up_s=tuple(float(f) for f in follow_up),
                        small_tiers=small)


def parse_time_s(text: str, what: str) -> float:
    """Epoch seconds from epoch seconds or ISO 8601 text (no offset = UTC), for CLI options."""
    import datetime as dt

    try:
        return float(text)
    except ValueError:
        pass
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RetentionInputError(
            f"{what}: {text!r} is neither epoch seconds nor ISO 8601") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.timestamp()


def _register_source(con: "duckdb.DuckDBPyConnection", source: Any) -> tuple[str, str, bool]:
    """Returns (label for messages, SQL relation to select from, whether it is CSV)."""
    if not isinstance(source, (str, Path)):
        con.register("sessions_source", source)
        return f"<{type(source).__name__}>", "sessions_source", False
    path = Path(source)
    if not path.is_file():
        raise RetentionInputError(f"{path}: no such file")
    suffixes = [s.lower() for s in path.suffixes]
    literal = "'" + str(path).replace("'", "''") + "'"
    if ".parquet" in suffixes or ".pq" in suffixes:
        return str(path), f"read_parquet({literal})", False
    if ".csv" in suffixes or ".tsv" in suffixes:
        delimiter = "\t" if ".tsv" in suffixes else ","
        columns = _csv_header(path, delimiter)
        # No dialect sniffing and every column read as text: a ragged or broken line is then an
        # error naming its line (sniffing would only say the dialect was not found), and this
        # module parses the times itself, so that a bad value names its row.
        spec = ", ".join(f"{_sql_text(name)}: 'VARCHAR'" for name in columns)
        return (str(path), f"read_csv({literal}, auto_detect = false, header = true, "
                           f"delim = {_sql_text(delimiter)}, quote = '\"', escape = '\"', "
                           f"columns = {{{spec}}})", True)
    raise RetentionInputError(f"{path}: unknown format; expected a .csv or .parquet file")


def _csv_header(path: Path, delimiter: str) -> list[str]:
    import csv

    try:
        # The first line only, decoded alone: a bad byte further on belongs to its own row
        # (DuckDB names it), not to the header. A header is short; a longer first line is not.
        with path.open("rb") as raw:
            first = raw.readline(MAX_HEADER_BYTES + 1)
        if len(first) > MAX_HEADER_BYTES:
            raise RetentionInputError(f"{path}: line 1 (the header) is over "
                                      f"{MAX_HEADER_BYTES // 1024} KiB; is this a sessions CSV?")
        header = next(csv.reader([first.decode("utf-8-sig")], delimiter=delimiter), [])
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise RetentionInputError(f"{path}: line 1 (the header): cannot read: {err}") from None
    if not header:
        raise RetentionInputError(f"{path}: empty file; expected a header line")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise RetentionInputError(f"{path}: header: column {', '.join(repeated)} appears twice")
    return header


def _column_types(con: "duckdb.DuckDBPyConnection", relation: str, label: str) -> dict[str, str]:
    described = _execute(con, label, f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return {row[0]: row[1] for row in described}


def _execute(con: "duckdb.DuckDBPyConnection", label: str, sql: str):
    """Run a query that reads the file; DuckDB's read errors (ragged CSV lines, broken Parquet)
    become ``RetentionInputError`` with DuckDB's first line, which names the line."""
    import duckdb

    try:
        return con.execute(sql)
    except duckdb.Error as err:
        raise RetentionInputError(f"{label}: cannot read: {_duckdb_message(err)}") from None


def _create_parsed_view(con, relation: str, label: str, types: dict[str, str], tier_column: str,
                        covariates: tuple[str, ...], observed_until_s: float | None,
                        dedupe: bool = False) -> None:
    """View ``parsed``: every input row with parsed times and a ``problem`` (NULL when usable).

    With ``dedupe``, a row identical to an earlier one in every column used is a problem too
    (a window over the rows: only when duplicates were found, see ``_first_duplicate``).

    Every later query scans this view, so typed columns stay typed (no text conversion per row):
    only text columns are trimmed, and values become text only to be quoted in a message.
    """
    def value(name: str) -> str:  # blank text counts as missing
        return f"NULLIF(trim({_quote(name)}), '')" if types[name] == "VARCHAR" else _quote(name)

    def text(name: str) -> str:
        return value(name) if types[name] == "VARCHAR" else f"CAST({_quote(name)} AS VARCHAR)"

    join_s = _seconds_expr(label, "join_ts", types["join_ts"])
    leave_s = _seconds_expr(label, "leave_ts", types["leave_ts"])
    join_text, leave_text = "CAST(join_raw AS VARCHAR)", "CAST(leave_raw AS VARCHAR)"
    low, high = PLAUSIBLE_TIME_S
    implausible = ("time beyond 1e11 s or before 1970 (epoch milliseconds? times must be epoch "
                   "seconds or ISO 8601)")
    checks = [
        ("viewer_id IS NULL", "missing value", "viewer_id", "NULL"),
        ("stream_id IS NULL", "missing value", "stream_id", "NULL"),
        ("join_raw IS NULL", "missing value", "join_ts", "NULL"),
        ("join_s IS NULL", "unparseable time", "join_ts", join_text),
        ("leave_raw IS NOT NULL AND leave_s IS NULL", "unparseable time", "leave_ts", leave_text),
        (f"join_s NOT BETWEEN {low!r} AND {high!r}", implausible, "join_ts", join_text),
        (f"leave_s NOT BETWEEN {low!r} AND {high!r}", implausible, "leave_ts", leave_text),
        ("leave_s < join_s", "leave_ts before join_ts", "leave_ts",
         f"{leave_text} || ' < join_ts ' || {join_text}"),
        ("tier IS NULL", "missing value", tier_column, "NULL"),
        ("copy_nr > 1", DUPLICATE, "viewer_id", "CAST(viewer_id AS VARCHAR)"),
    ]
    if observed_until_s is not None:
        checks.append((f"join_s > {observed_until_s!r}", "join_ts after --observed-until",
                       "join_ts", join_text))

    def case(pick: int) -> str:
        arms = " ".join(f"WHEN {c[0]} THEN {_sql_text(c[pick]) if pick < 3 else c[3]}"
                        for c in checks)
        return f"CASE {arms} END"

    covs = "".join(f", coalesce({text(name)}, '{MISSING_LEVEL}') AS cov{i}"
                   for i, name in enumerate(covariates))
    cov_cols = "".join(f", cov{i}" for i in range(len(covariates)))
    copy_nr = (f"row_number() OVER (PARTITION BY {DUPLICATE_KEY}{cov_cols} ORDER BY src_row)"
               if dedupe else "1")
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW parsed AS
        SELECT *, {case(1)} AS problem, {case(2)} AS problem_column, {case(3)} AS problem_value
        FROM (SELECT *, {copy_nr} AS copy_nr FROM (
            SELECT {value('viewer_id')} AS viewer_id, {value('stream_id')} AS stream_id,
                   {value('join_ts')} AS join_raw, {value('leave_ts')} AS leave_raw,
                   {join_s} AS join_s, {leave_s} AS leave_s,
                   {text(tier_column)} AS tier{covs}, row_number() OVER () AS src_row
            FROM {relation}))
    """)


def _first_duplicate(con, label: str, covariates: tuple[str, ...]) -> tuple[int, int, int] | None:
    """(duplicate rows, first duplicate's row, the row it repeats) among the usable rows of
    ``parsed``, or None: one aggregation over the rows, so memory stays bounded."""
    cov_cols = "".join(f", cov{i}" for i in range(len(covariates)))
    found = _execute(con, label, f"""
        SELECT sum(n - 1), min(copy_row), arg_min(first_row, copy_row)
        FROM (SELECT count(*) AS n, min(src_row) AS first_row, max(src_row) AS copy_row
              FROM parsed WHERE problem IS NULL
              GROUP BY {DUPLICATE_KEY}{cov_cols} HAVING count(*) > 1)
    """).fetchone()
    return None if found is None or found[0] is None else (int(found[0]), found[1], found[2])


def _seconds_expr(label: str, column: str, duckdb_type: str) -> str:
    """SQL for epoch seconds (DOUBLE) of a time column; NULL where the value does not parse."""
    name = _quote(column)
    kind = duckdb_type.upper()
    if kind.startswith("TIMESTAMP"):
        return f"epoch({name})"
    if kind in _NUMERIC_TYPES or kind.startswith("DECIMAL"):
        value = f"CAST({name} AS DOUBLE)"
        return f"CASE WHEN isfinite({value}) THEN {value} END"
    if kind == "VARCHAR":
        raw = f"NULLIF(trim({name}), '')"
        number = f"TRY_CAST({raw} AS DOUBLE)"
        return (f"CASE WHEN isfinite({number}) THEN {number} "
                f"ELSE epoch(TRY_CAST({raw} AS TIMESTAMPTZ)) END")
    raise RetentionInputError(f"{label}: column {column}: type {duckdb_type} is not a time; "
                              f"expected epoch seconds, ISO 8601 text or a timestamp")


def _check_levels(label: str, column: str, levels: list[str]) -> None:
    if len(levels) > MAX_LEVELS:
        raise RetentionInputError(
            f"{label}: column {column}: {len(levels)} distinct values (at most {MAX_LEVELS}); "
            f"bin it into a few levels first (e.g. quality tiers or clarity bands)")


def _level_order(levels: set[str]) -> list[str]:
    """Natural order, so that "360p" < "720p" < "1080p" and "tier2" < "tier10"."""
    import re

    def key(level: str) -> list[tuple[int, Any]]:
        return [(0, int(part)) if part.isdigit() else (1, part)
                for part in re.split(r"(\d+)", level) if part]

    return sorted(levels, key=key)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(map(_sql_text, values)) + "]"


def _duckdb_message(err: Exception) -> str:
    """DuckDB's error up to its hints, without the class prefix: for a CSV, the line, its text
    and the numbers of fields expected and found."""
    import re

    lines = []
    for line in str(err).strip().splitlines()[:3]:
        if not line.strip() or line.startswith("Possible fixes"):
            break
        lines.append(line.strip())
    return re.sub(r"^[A-Za-z ]*Error: ", "", "; ".join(lines))
