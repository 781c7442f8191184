"""The clarity model: VMAF estimated from what the probe sees of a stream, for a display.

What the probe sees (``Evidence``) becomes the model's inputs (``model_inputs``): the picture's
features, the share of the display's rows its detail fills (``height_fraction``: effective
height over display rows, at most 1), and, when known, the bits per pixel and the bitstream's
quantiser. A model (``LinearModel``) is a logistic-linear map of some of those inputs to VMAF,
``100 / (1 + exp(-(b0 + b . x)))``: strictly inside 0 … 100, so encodes keep their order at
the extremes instead of tying at a clip. There is one model per tier of evidence (``TIERS``:
the picture alone; with bits per pixel; with the quantiser too) and per VMAF model (the
display's), fitted and chosen by ``fixtures/clarity/fit.py`` (``metrics.clarity.fitted``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Inputs by the evidence they need; a tier may use those of the tiers before it.
PICTURE_INPUTS = ("log_sharpness", "blur", "log_blockiness", "log_noise", "log_ringing",
                  "detail_ratio", "height_fraction", "log2_height_fraction", "vp8")
BITRATE_INPUTS = ("log2_bits_per_pixel", "log2_bits_per_pixel_x_fraction")
QUANTISER_INPUTS = ("quantiser_log2", "quantiser_log2_x_fraction", "quantiser_log2_x_vp8")
TIERS = {
    "picture": PICTURE_INPUTS,
    "bitrate": PICTURE_INPUTS + BITRATE_INPUTS,
    "bitstream": PICTURE_INPUTS + BITRATE_INPUTS + QUANTISER_INPUTS,
}
VMAF_MAX = 100.0


@dataclass(frozen=True)
class Evidence:
    """What the probe saw of a stream (means over its non-flat frames).

    Picture features as ``metrics.clarity.picture`` defines them (sharpness and blockiness,
    noise and ringing in natural log); ``effective_height`` (rows, None: unknown) and
    ``coded_height`` (rows as decoded); ``quantiser_log2`` (mean log2 quantiser step,
    ``metrics.clarity.bitstream``), ``bits_per_pixel`` (coded bits per coded pixel per frame)
    and ``codec`` ("h264", "vp8"), None where not known."""

    log_sharpness: float
    blur: float
    log_blockiness: float
    log_noise: float
    log_ringing: float
    detail_ratio: float
    effective_height: int | None
    coded_height: int
    quantiser_log2: float | None = None
    bits_per_pixel: float | None = None
    codec: str | None = None

    def tier(self) -> str:
        """The richest tier of ``TIERS`` this evidence supports."""
        if self.bits_per_pixel is None:
            return "picture"
        return "bitrate" if self.quantiser_log2 is None else "bitstream"


def model_inputs(evidence: Evidence, display_rows: int) -> dict[str, float]:
    """Every input the evidence supports, for a display of ``display_rows`` rows."""
    rows = evidence.effective_height or evidence.coded_height
    fraction = min(rows, display_rows) / display_rows
    vp8 = 1.0 if evidence.codec == "vp8" else 0.0
    out = {
        "log_sharpness": evidence.log_sharpness,
        "blur": evidence.blur,
        "log_blockiness": evidence.log_blockiness,
        "log_noise": evidence.log_noise,
        "log_ringing": evidence.log_ringing,
        "detail_ratio": evidence.detail_ratio,
        "height_fraction": fraction,
        "log2_height_fraction": math.log2(fraction),
        "vp8": vp8,
    }
    if evidence.bits_per_pixel is not None:
        bpp = math.log2(max(evidence.bits_per_pixel, 1e-6))
        out["log2_bits_per_pixel"] = bpp
        out["log2_bits_per_pixel_x_fraction"] = bpp * fraction
    if evidence.quantiser_log2 is not None:
        q = evidence.quantiser_log2
        out["quantiser_log2"] = q
        out["quantiser_log2_x_fraction"] = q * fraction
        out["quantiser_log2_x_vp8"] = q * vp8
    return out


@dataclass(frozen=True)
class LinearModel:
    """VMAF = 100 / (1 + exp(-(intercept + sum(weights[i] * inputs[names[i]]))))."""

    names: tuple[str, ...]
    intercept: float
    weights: tuple[float, ...]

    def vmaf(self, inputs: dict[str, float]) -> float:
        """The estimated VMAF (0 … 100, exclusive) of ``inputs`` (``model_inputs``)."""
        z = self.intercept + sum(w * inputs[name] for name, w in zip(self.names, self.weights))
        return VMAF_MAX / (1.0 + math.exp(-min(max(z, -50.0), 50.0)))


def logit_vmaf(vmaf: float) -> float:
    """The model's linear scale of a VMAF score (the inverse of ``LinearModel.vmaf``'s link),
    with VMAF held 0.5 inside its range so that 0 and 100 stay finite."""
    p = min(max(vmaf, 0.5), VMAF_MAX - 0.5) / VMAF_MAX
    return math.log(p / (1.0 - p))
