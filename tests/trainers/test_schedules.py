"""Learning-rate schedules: warm-up, then constant or linear decay to 0 at the last update."""

import pytest

from rlvr.trainers.schedules import lr_factor


def test_constant_after_a_linear_warm_up():
    assert [lr_factor("constant", s, 10, warmup=4) for s in range(6)] == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0, 1.0])


def test_linear_decays_from_the_end_of_warm_up_to_zero_at_the_last_update():
    factors = [lr_factor("linear", s, 6, warmup=2) for s in range(7)]
    assert factors == pytest.approx([0.5, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0])
    assert [lr_factor("linear", s, 4) for s in range(4)] == pytest.approx([1.0, 0.75, 0.5, 0.25])
