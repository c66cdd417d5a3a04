import pytest

from intervals import Interval, merge, total_length
from intervals.interval import complement


def test_rejects_reversed_bounds():
    with pytest.raises(ValueError):
        Interval(3, 1)


def test_length_and_emptiness():
    assert Interval(2, 5).length == 3
    assert Interval(4, 4).is_empty()
    assert not Interval(4, 5).is_empty()


@pytest.mark.parametrize("point, inside", [(1, True), (1.5, True), (2, False), (0.99, False)])
def test_half_open_points(point, inside):
    assert Interval(1, 2).contains_point(point) is inside


@pytest.mark.parametrize(
    "a, b, overlap",
    [((1, 3), (2, 4), True), ((1, 3), (3, 4), False), ((1, 5), (2, 3), True), ((1, 2), (5, 6), False), ((2, 2), (1, 3), False)],
)
def test_overlaps_is_symmetric(a, b, overlap):
    assert Interval(*a).overlaps(Interval(*b)) is overlap
    assert Interval(*b).overlaps(Interval(*a)) is overlap


def test_contains_interval():
    assert Interval(1, 10).contains(Interval(1, 10))
    assert Interval(1, 10).contains(Interval(2, 3))
    assert not Interval(1, 10).contains(Interval(9, 11))


def test_intersection():
    assert Interval(1, 5).intersection(Interval(3, 8)) == Interval(3, 5)
    assert Interval(1, 2).intersection(Interval(2, 3)) is None


def test_gap():
    assert Interval(1, 2).gap(Interval(5, 6)) == 3
    assert Interval(5, 6).gap(Interval(1, 2)) == 3
    assert Interval(1, 4).gap(Interval(3, 6)) == 0


def test_merge_joins_overlapping_and_touching():
    pieces = [Interval(5, 7), Interval(1, 3), Interval(2, 4), Interval(7, 8)]
    assert merge(pieces) == [Interval(1, 4), Interval(5, 8)]


def test_merge_can_keep_touching_apart():
    assert merge([Interval(1, 2), Interval(2, 3)], join_touching=False) == [Interval(1, 2), Interval(2, 3)]


def test_merge_drops_empty_and_nested():
    assert merge([Interval(0, 10), Interval(3, 3), Interval(2, 4)]) == [Interval(0, 10)]


def test_total_length_counts_overlap_once():
    assert total_length([Interval(0, 4), Interval(2, 6), Interval(10, 11)]) == 7
    assert total_length([]) == 0


def test_complement():
    covered = [Interval(2, 3), Interval(5, 7), Interval(-5, 0)]
    assert complement(covered, Interval(0, 10)) == [Interval(0, 2), Interval(3, 5), Interval(7, 10)]


def test_complement_of_nothing_is_everything():
    assert complement([], Interval(1, 2)) == [Interval(1, 2)]
