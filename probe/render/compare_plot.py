"""Rate-quality curves of a compare (matplotlib, PNG): one line per configuration (codec,
resolution, the other grid values), one panel per impairment profile."""

from __future__ import annotations

import io
from pathlib import Path

from metrics.compare import CompareResult, Setting
from probe.errors import InputError


def rate_quality_png(result: CompareResult, varied: tuple[str, ...]) -> bytes:
    """Delivered kbps against the ranking metric, per configuration and impairment, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metric = result.quality_metric
    if metric is None:
        raise InputError("no quality metric was measured on every run; nothing to plot")
    impairments = list(dict.fromkeys(s.impairment for s in result.ranked))
    fig, axes = plt.subplots(1, len(impairments), figsize=(5 * len(impairments), 4),
                             squeeze=False)
    keys = tuple(k for k in varied if k != "bitrate_kbps") or ("codec",)
    for ax, impairment in zip(axes[0], impairments):
        curves: dict[Setting, list[tuple[float, float]]] = {}
        for s in result.ranked:
            rate, quality = s.figure("delivered_kbps"), s.figure(metric)
            if s.impairment == impairment and rate is not None and quality is not None:
                curves.setdefault(s.setting.configuration, []).append((rate, quality))
        for config, points in curves.items():
            points.sort()
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                    label=config.describe(keys))
        ax.set_title(f"impairment: {impairment}")
        ax.set_xlabel("delivered kbps")
        ax.set_ylabel(metric)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    fig.tight_layout()
    png = io.BytesIO()
    try:
        fig.savefig(png, format="png", dpi=100)
    finally:
        plt.close(fig)
    return png.getvalue()


def write_rate_quality_plot(result: CompareResult, varied: tuple[str, ...], path: Path) -> None:
    """``rate_quality_png`` written to ``path``."""
    png = rate_quality_png(result, varied)
    try:
        path.write_bytes(png)
    except OSError as err:
        raise InputError(f"{path}: cannot write: {err.strerror}") from err
