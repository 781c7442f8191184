"""Runs of a compare across repeats: medians and spread, the ranked table, BD-rates, the
recommendation line.

A run is one setting under one impairment profile, once. Repeats of the same pair are summarised
by their median (and their min-max spread); settings are ranked on the quality metric every run
has (VMAF offline; PSNR live, where VMAF is not measured), best first. The recommendation is the
best setting that stays within the bitrate budget and the freeze budget under every impairment.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from metrics.compare.bdrate import BdRate, bd_rate_between
from metrics.compare.setting import Setting, differing_keys

COMPARE_SCHEMA = "streamprobe.compare/1"
NO_IMPAIRMENT = "none"
# Figures summarised across repeats (median and spread), in the JSON's order.
FIGURES = ("delivered_kbps", "vmaf", "psnr_db", "ssim", "clarity_score", "freeze_count",
           "glass_to_glass_p50_ms", "encode_cores", "nacks", "plis")
QUALITY_METRICS = ("vmaf", "psnr_db")  # ranked on the first every run has


@dataclass(frozen=True)
class RunScores:
    """One run: delivered bitrate (kbps), full-reference VMAF/PSNR (dB)/SSIM against the source,
    no-reference clarity (1-5), freezes, glass-to-glass p50 (ms), the encoder's CPU (cores) and
    whether it kept real time, and live the repair the viewer asked for (NACKs, PLIs); a figure
    not measured is None."""

    setting: Setting
    impairment: str
    repeat: int
    duration_s: float
    delivered_kbps: float | None
    vmaf: float | None
    psnr_db: float | None
    ssim: float | None
    clarity_score: float | None
    freeze_count: int | None
    glass_to_glass_p50_ms: float | None
    encode_cores: float | None
    kept_real_time: bool | None
    nacks: int | None = None
    plis: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["setting"] = self.setting.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunScores:
        """The run ``to_dict`` wrote (the cache's format)."""
        return cls(**{**data, "setting": Setting(**data["setting"])})


@dataclass(frozen=True)
class SettingSummary:
    """One setting under one impairment across its repeats: each figure's median and its
    (min, max) spread; ``freezes_per_min`` from the median count and the run length."""

    setting: Setting
    impairment: str
    repeats: int
    medians: dict[str, float | None]
    spread: dict[str, tuple[float, float] | None]
    freezes_per_min: float | None
    kept_real_time: bool | None

    def figure(self, name: str) -> float | None:
        return self.medians.get(name)

    def to_dict(self) -> dict[str, Any]:
        """A ``runs`` entry of the JSON (contract)."""
        return {"setting": self.setting.to_dict(), "impairment": self.impairment,
                **self.medians, "repeats": self.repeats,
                "freezes_per_min": self.freezes_per_min, "kept_real_time": self.kept_real_time,
                "spread": {k: list(v) if v is not None else None for k, v in self.spread.items()}}


def summarize(runs: Sequence[RunScores]) -> list[SettingSummary]:
    """Group runs by (setting, impairment), first-seen order, into medians and spreads."""
    groups: dict[tuple[Setting, str], list[RunScores]] = {}
    for run in runs:
        groups.setdefault((run.setting, run.impairment), []).append(run)
    summaries = []
    for (setting, impairment), group in groups.items():
        medians: dict[str, float | None] = {}
        spread: dict[str, tuple[float, float] | None] = {}
        for name in FIGURES:
            values = [getattr(r, name) for r in group if getattr(r, name) is not None]
            medians[name] = float(statistics.median(values)) if values else None
            spread[name] = (float(min(values)), float(max(values))) if values else None
        duration_s = statistics.median(r.duration_s for r in group)
        freezes = medians["freeze_count"]
        realtime = [r.kept_real_time for r in group if r.kept_real_time is not None]
        summaries.append(SettingSummary(
            setting, impairment, len(group), medians, spread,
            freezes * 60.0 / duration_s if freezes is not None and duration_s > 0 else None,
            all(realtime) if realtime else None))
    return summaries


@dataclass(frozen=True)
class Constraints:
    """The recommendation's budget: at most ``max_kbps`` delivered (None: any) and at most
    ``max_freezes_per_min`` under every impairment."""

    max_kbps: float | None = None
    max_freezes_per_min: float = 1.0


@dataclass(frozen=True)
class CompareResult:
    """The summaries ranked best first, the BD-rates, the quality metric ranked on and the
    recommendation line (contract: schema ``streamprobe.compare/1``)."""

    ranked: tuple[SettingSummary, ...]
    bd_rate: tuple[BdRate, ...]
    quality_metric: str | None
    recommendation: str
    recommended: Setting | None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"schema": COMPARE_SCHEMA, "quality_metric": self.quality_metric,
                "runs": [s.to_dict() for s in self.ranked],
                "bd_rate": [b.to_dict() for b in self.bd_rate],
                "recommendation": self.recommendation,
                "recommended": self.recommended.to_dict() if self.recommended else None,
                "notes": list(self.notes)}


def _quality_metric(summaries: Sequence[SettingSummary]) -> str | None:
    for name in QUALITY_METRICS:
        if summaries and all(s.figure(name) is not None for s in summaries):
            return name
    return None


def _rank(summaries: Sequence[SettingSummary], metric: str | None) -> list[SettingSummary]:
    """Best quality first; among equals, fewer freezes, then fewer bits."""
    def key(s: SettingSummary) -> tuple[float, float, float]:
        quality = s.figure(metric) if metric else None
        return (-(quality if quality is not None else float("-inf")),
                s.freezes_per_min or 0.0, s.figure("delivered_kbps") or 0.0)
    return sorted(summaries, key=key)


def _bd_rates(summaries: Sequence[SettingSummary], metric: str | None,
              method: str) -> list[BdRate]:
    """Every configuration (a setting without its bitrate) against the grid's first, per
    impairment, each named by the grid values that differ."""
    if metric is None:
        return []
    curves: dict[str, dict[Setting, list[tuple[float, float]]]] = {}
    for s in summaries:
        rate, quality = s.figure("delivered_kbps"), s.figure(metric)
        curves.setdefault(s.impairment, {}).setdefault(s.setting.configuration, []).append(
            (rate if rate is not None else float("nan"),
             quality if quality is not None else float("nan")))
    results = []
    for impairment, by_config in curves.items():
        configs = list(by_config)
        anchor = configs[0]
        for test in configs[1:]:
            keys = differing_keys(anchor, test)
            results.append(bd_rate_between(metric, anchor.describe(keys), test.describe(keys),
                                           impairment, by_config[anchor], by_config[test],
                                           method))
    return results


def _recommend(ranked: Sequence[SettingSummary], metric: str | None,
               constraints: Constraints) -> tuple[str, Setting | None]:
    by_setting: dict[Setting, list[SettingSummary]] = {}
    for s in ranked:
        by_setting.setdefault(s.setting, []).append(s)
    impairments = sorted({s.impairment for s in ranked})
    budget = (f"under {constraints.max_kbps:g} kbps " if constraints.max_kbps is not None
              else "")
    where = ("with no impairment" if impairments == [NO_IMPAIRMENT]
             else "at " + " and ".join(impairments))
    head = (f"best {budget}with at most {constraints.max_freezes_per_min:g} freeze(s) a minute "
            f"{where}")

    def fits(s: SettingSummary) -> bool:
        rate = s.figure("delivered_kbps")
        return ((constraints.max_kbps is None or (rate is not None
                                                  and rate <= constraints.max_kbps))
                and (s.freezes_per_min or 0.0) <= constraints.max_freezes_per_min)

    def worst_quality(group: list[SettingSummary]) -> float:
        values = [s.figure(metric) for s in group] if metric else []
        return min((v for v in values if v is not None), default=float("-inf"))

    fitting = [(setting, group) for setting, group in by_setting.items()
               if all(fits(s) for s in group)]
    if not fitting:
        return f"{head}: none of the settings", None
    setting, group = max(fitting, key=lambda item: worst_quality(item[1]))
    quality = worst_quality(group)
    shown = (f" ({metric} {quality:.1f} at worst)" if metric and quality > float("-inf")
             else "")
    return f"{head}: {setting.describe()}{shown}", setting


def compare_runs(runs: Sequence[RunScores], constraints: Constraints = Constraints(),
                 bd_method: str = "akima") -> CompareResult:
    """Summarise ``runs`` across repeats, rank them, compute BD-rates, recommend a setting."""
    summaries = summarize(runs)
    metric = _quality_metric(summaries)
    ranked = _rank(summaries, metric)
    recommendation, recommended = _recommend(ranked, metric, constraints)
    notes = () if metric else ("no quality metric was measured on every run: the table is "
                               "not ranked on quality",)
    return CompareResult(tuple(ranked), tuple(_bd_rates(summaries, metric, bd_method)), metric,
                         recommendation, recommended, notes)
