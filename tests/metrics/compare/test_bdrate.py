"""BD-rate: the bjontegaard package's numbers, and the curves it refuses, with their reason."""

from __future__ import annotations

import math

import pytest

from metrics.compare import bd_rate_between

# The bjontegaard package's README example (rates in kbps, PSNR in dB); its README prints
# BD-Rate -4.4252 % with Akima. PCHIP, as JCT-VC's CTC sheet, gives -4.4175 % on them.
RATE_ANCHOR = [9487.76, 4593.60, 2486.44, 1358.24]
PSNR_ANCHOR = [40.037, 38.615, 36.845, 34.851]
RATE_TEST = [9787.80, 4469.00, 2451.52, 1356.24]
PSNR_TEST = [40.121, 38.651, 36.970, 34.987]


def _bd(anchor, test, method="akima"):
    return bd_rate_between("psnr_db", "a", "t", "none", anchor, test, method)


@pytest.mark.parametrize(("method", "expected"), [("akima", -4.4252), ("pchip", -4.4175)])
def test_published_example(method: str, expected: float) -> None:
    result = _bd(list(zip(RATE_ANCHOR, PSNR_ANCHOR)), list(zip(RATE_TEST, PSNR_TEST)), method)
    assert result.reason is None
    assert result.pct == pytest.approx(expected, abs=5e-5)


def test_point_order_does_not_matter() -> None:
    anchor = list(zip(RATE_ANCHOR, PSNR_ANCHOR))
    test = list(zip(RATE_TEST, PSNR_TEST))
    assert _bd(anchor[::-1], test).pct == pytest.approx(_bd(anchor, test).pct, abs=1e-12)


def test_same_curve_is_zero_and_half_the_rate_is_minus_fifty() -> None:
    anchor = list(zip(RATE_ANCHOR, PSNR_ANCHOR))
    assert _bd(anchor, anchor).pct == pytest.approx(0.0, abs=1e-9)
    half = [(r / 2, q) for r, q in anchor]
    assert _bd(anchor, half).pct == pytest.approx(-50.0, abs=1e-6)


def test_refuses_fewer_than_four_points() -> None:
    result = _bd(list(zip(RATE_ANCHOR, PSNR_ANCHOR))[:3], list(zip(RATE_TEST, PSNR_TEST)))
    assert result.pct is None
    assert "3 points" in result.reason and "at least 4" in result.reason


def test_refuses_a_non_monotonic_curve() -> None:
    bent = list(zip(RATE_TEST, [40.121, 38.651, 39.5, 34.987]))
    result = _bd(list(zip(RATE_ANCHOR, PSNR_ANCHOR)), bent)
    assert result.pct is None and "not monotonic" in result.reason


def test_refuses_curves_without_overlap() -> None:
    low = [(r, q - 20) for r, q in zip(RATE_TEST, PSNR_TEST)]
    result = _bd(list(zip(RATE_ANCHOR, PSNR_ANCHOR)), low)
    assert result.pct is None and "do not overlap" in result.reason


def test_refuses_an_unmeasured_point() -> None:
    holed = list(zip(RATE_TEST, [40.121, math.nan, 36.970, 34.987]))
    result = _bd(list(zip(RATE_ANCHOR, PSNR_ANCHOR)), holed)
    assert result.pct is None and "without a measured" in result.reason


def test_unknown_method_is_an_error() -> None:
    with pytest.raises(ValueError, match="akima"):
        _bd(list(zip(RATE_ANCHOR, PSNR_ANCHOR)), list(zip(RATE_TEST, PSNR_TEST)), "cubic")
