"""Loss before and after repair, from sequence numbers with known drops and retransmissions."""

import numpy as np
import pytest

from metrics.loss import LossCounts, SequenceLoss, fraction


def test_link_and_residual_loss_with_known_drops_and_repairs() -> None:
    loss = SequenceLoss()
    rng = np.random.default_rng(0)
    dropped = set(rng.choice(np.arange(1, 1999), 100, replace=False).tolist())
    for seq in range(2000):
        if seq not in dropped:
            loss.first_transmission(seq)
    repaired = sorted(dropped)[:80]
    for seq in repaired + repaired[:5]:  # five retransmitted twice
        loss.retransmission(seq)
    counts = loss.counts()
    assert counts == LossCounts(expected=2000, first_arrivals=1900, repaired=80, retransmitted=85)
    assert counts.link_lost == 100 and counts.lost == 20
    assert fraction(counts.link_lost, counts.expected) == pytest.approx(0.05)
    assert fraction(counts.lost, counts.expected) == pytest.approx(0.01)


def test_sequence_numbers_wrap_and_duplicates_count_once() -> None:
    loss = SequenceLoss()
    for seq in [65530 + i for i in range(6)] + list(range(10)) + [3, 4]:
        loss.first_transmission(seq % 65536)
    counts = loss.counts()
    assert counts.expected == 16 and counts.first_arrivals == 16 and counts.lost == 0


def test_a_reordered_packet_is_not_lost() -> None:
    loss = SequenceLoss()
    for seq in [100, 102, 101, 103]:
        loss.first_transmission(seq)
    assert loss.counts().lost == 0 and loss.counts().link_lost == 0


def test_nothing_expected_has_no_fraction() -> None:
    assert fraction(0, 0) is None and SequenceLoss().counts().expected == 0
