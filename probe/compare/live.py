"""A compare run through the live path: the embedded test room publishes the stamped pattern
with one setting, under one impairment profile, and the probe watches it (``run_check``).

The room encodes with the setting (its encoder is the offline one), packetises, paces, loses
what the impairment drops, answers NACKs and PLIs; the probe's report gives what arrived:
delivered bitrate, PSNR and SSIM against the pattern frame each stamp names, clarity, freezes,
glass-to-glass, and the NACKs and PLIs the viewer sent. VMAF and the encoder's CPU are not
measured live (the room is another process).
"""

from __future__ import annotations

from metrics.compare import RunScores, Setting
from metrics.compare.ranking import NO_IMPAIRMENT
from probe.check import CheckOptions, run_check
from probe.compare.offline import encoding_of
from probe.pattern.spec import PatternSpec
from probe.room.impair_spec import ImpairSpec


async def run_live(setting: Setting, impair: ImpairSpec | None, duration_s: float,
                   timeout_s: float, repeat: int = 0) -> RunScores:
    """Watch ``duration_s`` of the room's pattern encoded with ``setting`` under ``impair``."""
    options = CheckOptions(duration_s=duration_s, timeout_s=timeout_s,
                           pattern=PatternSpec(setting.width, setting.height, setting.fps),
                           encoding=encoding_of(setting), impair=impair)
    report = await run_check(options)
    g2g = report.latency.glass_to_glass_ms
    return RunScores(
        setting=setting, impairment=impair.text if impair is not None else NO_IMPAIRMENT,
        repeat=repeat, duration_s=report.duration_s,
        delivered_kbps=report.network.bitrate_kbps, vmaf=report.clarity.vmaf,
        psnr_db=report.clarity.psnr_db, ssim=report.clarity.ssim,
        clarity_score=report.clarity.score, freeze_count=report.stutter.freeze_count,
        glass_to_glass_p50_ms=g2g.p50 if g2g is not None else None,
        encode_cores=None, kept_real_time=None,
        nacks=report.network.nacks, plis=report.network.plis)
