"""Sessions aggregated to a time grid, and viewer-level bootstrap replicates of that aggregate.

Every estimate of watch time up to the horizon (Kaplan-Meier, RMST, medians, standardisation)
needs only, per tier and covariate stratum, how many sessions end at each time and whether they
ended by leaving or by censoring. DuckDB reduces the sessions to exactly that: an array
``counts[tier, stratum, step, ended_by]`` with ``step`` = watch time rounded to the grid, steps
``0 .. n_steps`` (``n_steps`` = at or after the horizon, i.e. censored there) and ``ended_by`` 0 =
censored, 1 = left. Its size is tiers x strata x (n_steps + 1) x 2, whatever the number of viewers.

Rounding to the nearest grid step makes the KM RMST a midpoint-rule integral of the survival
curve: its error is O(step^2), and with the default step of 1 s it is far below a second.

The bootstrap resamples viewers, not sessions, because one viewer's sessions are not independent.
It uses Poisson weights (each viewer counted Poisson(1) times; Hanley & MacGibbon 2006, "Creating
non-parametric bootstrap samples using Poisson frequencies", Comput Methods Programs Biomed 83:57;
Chamandy et al. 2012, "Estimating uncertainty for massive data streams", Google) and it never
revisits the rows: viewers with a single session contribute, per grid cell, a sum of n
independent Poisson(1) weights, which is one Poisson(n) draw per cell; only viewers with repeat
sessions need their own weight, shared by their sessions. The replicates are thus distributed
as a viewer-level Poisson bootstrap (exactly, but for weights above 12, probability 1e-9, counted
as 12), at a cost of cells + repeat-viewer sessions per replicate.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from metrics.retention.sessions import SESSIONS_VIEW, SessionTable

if TYPE_CHECKING:
    import duckdb

# At most this many grid steps up to the horizon: 1 s steps up to one hour, coarser beyond, so
# that the aggregate stays small for any horizon.
MAX_GRID_STEPS = 3600
# Bootstrap replicates are produced in chunks of about this many cells, to bound memory.
_CHUNK_CELLS = 4_000_000
# Poisson(1) weights by inverse transform of 32-bit uniforms: the weight is the number of these
# thresholds, P(X <= k) * 2^32 for k = 0..11, at or below the draw. About five times faster
# than Generator.poisson; weights above 12 (probability 1e-9) count as 12.
_POISSON1_THRESHOLDS = np.floor(
    np.cumsum([math.exp(-1) / math.factorial(k) for k in range(12)]) * 2**32).astype(np.uint32)


@dataclass(frozen=True)
class ExitGrid:
    """Sessions by tier, stratum, watch-time step and how they ended (see module docstring).

    ``single_counts`` counts only sessions of viewers with one session; the sessions of repeat
    viewers are listed as (``repeat_viewer``: dense viewer index, ``repeat_cell``: flat index into
    ``counts``) so that the bootstrap can weight each repeat viewer once.
    """

    horizon_s: float
    step_s: float
    counts: np.ndarray
    single_counts: np.ndarray
    repeat_viewer: np.ndarray
    repeat_cell: np.ndarray
    repeat_viewers: int

    @property
    def n_steps(self) -> int:
        return self.counts.shape[2] - 1


def grid_steps(horizon_s: float) -> int:
    """Number of grid steps up to the horizon: whole seconds, at most ``MAX_GRID_STEPS``."""
    return max(1, min(MAX_GRID_STEPS, math.ceil(horizon_s)))


def aggregate_grid(con: "duckdb.DuckDBPyConnection", table: SessionTable,
                   horizon_s: float) -> ExitGrid:
    """Reduce the sessions to an ``ExitGrid`` up to ``horizon_s`` with three DuckDB scans."""
    n_steps = grid_steps(horizon_s)
    step_s = horizon_s / n_steps
    shape = (len(table.tiers), len(table.strata), n_steps + 1, 2)
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW session_cells AS
        SELECT viewer_id,
               ((tier_code * {shape[1]} + stratum_code) * {n_steps + 1} + step) * 2
                   + (event AND step < {n_steps})::INTEGER AS cell
        FROM (SELECT *, least(round((exit_s - join_s) / {step_s!r}), {n_steps})::BIGINT AS step
              FROM {SESSIONS_VIEW})
    """)
    # Numbered in text order, so that a viewer draws the same bootstrap weights whatever the
    # query plan and whether the id was read as text (CSV) or as a number (Parquet).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE repeat_viewers AS
        SELECT viewer_id,
               (row_number() OVER (ORDER BY CAST(viewer_id AS VARCHAR)) - 1)::BIGINT AS viewer_index
        FROM {SESSIONS_VIEW} GROUP BY viewer_id HAVING count(*) > 1
    """)
    single = con.execute("""
        SELECT cell, count(*) AS n FROM session_cells ANTI JOIN repeat_viewers USING (viewer_id)
        GROUP BY cell
    """).fetchnumpy()
    repeat = con.execute("""
        SELECT viewer_index, cell FROM session_cells JOIN repeat_viewers USING (viewer_id)
    """).fetchnumpy()
    repeat_viewers = con.execute("SELECT count(*) FROM repeat_viewers").fetchall()[0][0]

    size = math.prod(shape)
    single_counts = np.bincount(single["cell"], weights=single["n"], minlength=size)
    repeat_cell = np.asarray(repeat["cell"], dtype=np.int64)
    counts = single_counts + np.bincount(repeat_cell, minlength=size)
    return ExitGrid(horizon_s=float(horizon_s), step_s=step_s,
                    counts=counts.astype(np.int64).reshape(shape),
                    single_counts=single_counts.astype(np.int64).reshape(shape),
                    repeat_viewer=np.asarray(repeat["viewer_index"], dtype=np.int64),
                    repeat_cell=repeat_cell, repeat_viewers=int(repeat_viewers))


def bootstrap_counts(grid: ExitGrid, replicates: int, seed: int) -> Iterator[np.ndarray]:
    """Viewer-level Poisson bootstrap replicates of ``grid.counts``, in chunks of shape
    (replicates in chunk, *grid.counts.shape), float64. Deterministic for a given ``seed``."""
    rng = np.random.default_rng(seed)
    single = grid.single_counts.ravel()
    occupied = np.flatnonzero(single)
    chunk = max(1, _CHUNK_CELLS // single.size)
    for start in range(0, replicates, chunk):
        size = min(chunk, replicates - start)
        out = np.zeros((size, single.size))
        out[:, occupied] = rng.poisson(single[occupied], size=(size, occupied.size))
        for row in out:
            if grid.repeat_viewers:
                weights = _poisson1(rng, grid.repeat_viewers)
                row += np.bincount(grid.repeat_cell, weights=weights[grid.repeat_viewer],
                                   minlength=single.size)
        yield out.reshape(size, *grid.counts.shape)


def _poisson1(rng: np.random.Generator, size: int) -> np.ndarray:
    draws = rng.integers(0, 2**32, size, dtype=np.uint32)
    weights = np.zeros(size, dtype=np.uint8)
    for threshold in _POISSON1_THRESHOLDS:
        weights += draws >= threshold
    return weights
