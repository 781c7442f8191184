"""The fleet's timeline as a Parquet dataset, partitioned by stream and hour (DuckDB writes it).

``parquet/stream_id=ID/hour=YYYY-MM-DDTHH/data_0.parquet`` (Hive-style partitions; the stream
id URL-escaped, the hour UTC): the rows of the merged JSON Lines timeline, one per stream per
second, with the same columns (``ts`` … ``loss_fraction``, and ``probe_overloaded``), so a
query engine reads one stream's hour without the rest. The fleet's event records (probe
outages, overloads) stay in the JSON Lines and the summary. DuckDB is already the retention
analysis's engine; it reads the JSON Lines file and writes the partitions in bounded memory.
Read it back with ``read_parquet('DIR/**/*.parquet', hive_partitioning = true, hive_types =
{'stream_id': VARCHAR, 'hour': VARCHAR})`` (without the types a numeric stream id is cast).
"""

from __future__ import annotations

from pathlib import Path

from probe.errors import InputError

PARQUET_DIR = "parquet"
COLUMNS = {"ts": "DOUBLE", "stream_id": "VARCHAR", "probe_id": "VARCHAR",
           "connected": "BOOLEAN", "fps": "DOUBLE", "bitrate_kbps": "DOUBLE",
           "clarity": "DOUBLE", "frozen": "BOOLEAN", "latency_ms": "DOUBLE",
           "loss_fraction": "DOUBLE", "probe_overloaded": "BOOLEAN", "event": "VARCHAR"}


def write_parquet(timeline: Path, out_dir: Path) -> Path:
    """The rows of ``timeline`` (merged JSON Lines) as the dataset ``out_dir/parquet``."""
    import duckdb

    target = out_dir / PARQUET_DIR
    if "'" in str(target):
        raise InputError(f"{out_dir}: a quote in the path; give another --timeline directory")
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items()) + "}"
    query = (
        "COPY (SELECT * EXCLUDE (event), strftime(make_timestamp(CAST(ts * 1e6 AS BIGINT)), "
        "'%Y-%m-%dT%H') AS hour FROM read_json(?, format = 'newline_delimited', "
        f"columns = {columns}) WHERE event IS NULL ORDER BY stream_id, ts) TO '{target}' "
        "(FORMAT parquet, PARTITION_BY (stream_id, hour), OVERWRITE_OR_IGNORE)")
    try:
        with duckdb.connect() as con:
            con.execute(query, [str(timeline)])
    except (duckdb.Error, OSError) as err:
        raise InputError(f"{target}: cannot write the Parquet timeline: "
                         f"{str(err).splitlines()[0]}") from None
    return target
