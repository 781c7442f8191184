"""Cross a grid with the impairment profiles and repeats, run (or recall) each, score it all."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from metrics.compare import CompareResult, Constraints, RunScores, Setting, compare_runs
from metrics.compare.ranking import NO_IMPAIRMENT
from probe.compare.cache import RunCache, run_key
from probe.compare.grid import Grid, load_grid
from probe.compare.live import run_live
from probe.compare.offline import encoder_refused, encoding_of, run_offline
from probe.compare.source import CompareSource, open_source
from probe.errors import InputError
from probe.media.encoders import open_video_encoder
from probe.room.impair_spec import ImpairSpec

ProgressUpdate = Callable[[float, float, str], None]


@dataclass(frozen=True)
class CompareOptions:
    """A compare: the clip (None: the stamped pattern), the grid file, the impairment profiles
    (live only), repeats, seconds per run, each wait's bound (s), where runs are cached (None:
    nowhere) and where encodes are kept (None: a temporary folder)."""

    grid: Path
    source: Path | None = None
    impairments: tuple[ImpairSpec, ...] = ()
    repeats: int = 1
    offline: bool = False
    duration_s: float = 4.0
    timeout_s: float = 10.0
    cache_dir: Path | None = None
    encodes_dir: Path | None = None
    constraints: Constraints = field(default_factory=Constraints)
    bd_method: str = "akima"


@dataclass(frozen=True)
class CompareOutcome:
    """Every run (cached or fresh), how many came from the cache, and their scoring."""

    runs: tuple[RunScores, ...]
    cached: int
    result: CompareResult
    source: CompareSource
    grid: Grid


def _check_encoders(settings: Sequence[Setting]) -> None:
    """Open each setting's encoder and encode one frame: a value it refuses fails here, named,
    before any run."""
    for setting in settings:
        try:
            ctx = open_video_encoder(encoding_of(setting), setting.width, setting.height,
                                     setting.fps)
            frame = av.VideoFrame.from_ndarray(
                np.zeros((setting.height * 3 // 2, setting.width), np.uint8), format="yuv420p")
            frame.pts = 0
            ctx.encode(frame)
        except (av.error.FFmpegError, ValueError) as err:
            raise encoder_refused(setting, err) from err


def _validate(options: CompareOptions) -> None:
    if options.repeats < 1:
        raise InputError("--repeats must be at least 1")
    if options.duration_s <= 0 or options.timeout_s <= 0:
        raise InputError("--duration and --timeout must be positive numbers of seconds")
    if options.offline and options.impairments:
        raise InputError("--impair needs the live path; drop --offline to watch the settings "
                         "through the impaired room")
    if not options.offline and options.source is not None:
        raise InputError(f"{options.source}: a live compare plays the stamped pattern (the room "
                         "cannot take a file as a stream's source yet); add --offline to score "
                         "the file's encodes, or drop SOURCE")


def run_compare(options: CompareOptions,
                on_progress: ProgressUpdate | None = None) -> CompareOutcome:
    """Run every (setting, impairment, repeat) of ``options`` not in the cache; score them."""
    _validate(options)
    source = open_source(options.source)
    grid = load_grid(options.grid, source.width, source.height, source.fps)
    _check_encoders(grid.settings)
    impairments: tuple[ImpairSpec | None, ...] = options.impairments or (None,)
    mode = "offline" if options.offline else "live"
    cache = RunCache(options.cache_dir)
    plan = [(setting, impair, repeat) for setting in grid.settings for impair in impairments
            for repeat in range(options.repeats)]
    runs: list[RunScores] = []
    cached = 0
    with tempfile.TemporaryDirectory(prefix="streamprobe-compare-") as scratch:
        folder = options.encodes_dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for done, (setting, impair, repeat) in enumerate(plan):
            label = impair.text if impair is not None else NO_IMPAIRMENT
            if on_progress is not None:
                on_progress(done, len(plan), f"{setting.describe(grid.varied or ('codec',))} "
                                             f"· {label}")
            key = run_key(source.digest, setting, label, mode, options.duration_s, repeat)
            run = cache.get(key)
            if run is not None:
                cached += 1
            elif options.offline:
                run = run_offline(source, setting, options.duration_s, folder, repeat)
            else:
                run = asyncio.run(run_live(setting, impair, options.duration_s,
                                           options.timeout_s, repeat))
            cache.put(key, run)
            runs.append(run)
        if on_progress is not None:
            on_progress(len(plan), len(plan), "scoring")
    result = compare_runs(runs, options.constraints, options.bd_method)
    return CompareOutcome(tuple(runs), cached, result, source, grid)
