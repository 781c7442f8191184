"""Quality-to-retention analysis: how stream quality moves viewer watch time, with honest
uncertainty. ``analyze_retention`` is the entry point; see ``metrics.retention.analysis``.

Heavy libraries (DuckDB, lifelines, SciPy, pyarrow) are imported inside the functions that use
them, so importing this package is cheap.
"""

from metrics.retention.analysis import (
    RETENTION_SCHEMA,
    QualityCoverage,
    RetentionResult,
    analyze_retention,
)
from metrics.retention.errors import RetentionInputError
from metrics.retention.sessions import parse_time_s

__all__ = ["RETENTION_SCHEMA", "QualityCoverage", "RetentionInputError", "RetentionResult",
           "analyze_retention", "parse_time_s"]
