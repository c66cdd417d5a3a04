import random

import pytest

from intervals import Interval, IntervalTree


def brute_overlapping(intervals, query):
    return sorted(i for i in intervals if i.overlaps(query))


@pytest.fixture
def tree():
    return IntervalTree([Interval(1, 5, "a"), Interval(3, 8, "b"), Interval(10, 12, "c"), Interval(6, 7, "d")])


def test_len_and_sorted_iteration(tree):
    assert len(tree) == 4
    assert [i.data for i in tree] == ["a", "b", "d", "c"]


def test_point_queries(tree):
    assert [i.data for i in tree.at(4)] == ["a", "b"]
    assert [i.data for i in tree.at(5)] == ["b"]
    assert tree.at(9) == []
    assert [i.data for i in tree.at(10)] == ["c"]


def test_overlap_queries(tree):
    assert [i.data for i in tree.overlapping(Interval(7, 10))] == ["b"]
    assert [i.data for i in tree.overlapping(Interval(0, 100))] == ["a", "b", "d", "c"]
    assert tree.overlapping(Interval(8, 10)) == []
    assert tree.overlapping(Interval(4, 4)) == []


def test_enveloped_by(tree):
    assert [i.data for i in tree.enveloped_by(Interval(2, 9))] == ["b", "d"]


def test_membership(tree):
    assert Interval(6, 7, "d") in tree
    assert Interval(6, 7, "x") not in tree
    assert "not an interval" not in tree


def test_remove(tree):
    tree.remove(Interval(3, 8, "b"))
    assert len(tree) == 3
    assert [i.data for i in tree.at(4)] == ["a"]
    with pytest.raises(KeyError):
        tree.remove(Interval(3, 8, "b"))


def test_span(tree):
    assert tree.span() == Interval(1, 12)
    assert IntervalTree().span() is None


def test_stays_balanced_on_sorted_inserts():
    tree = IntervalTree(Interval(i, i + 1) for i in range(1000))
    assert len(tree) == 1000
    assert tree.height <= 15


def test_duplicates_are_kept():
    tree = IntervalTree([Interval(1, 2), Interval(1, 2)])
    assert len(tree) == 2
    assert len(tree.at(1.5)) == 2


@pytest.mark.parametrize("seed", range(5))
def test_random_queries_match_brute_force(seed):
    rng = random.Random(seed)
    intervals = []
    for _ in range(200):
        start = rng.randint(0, 100)
        intervals.append(Interval(start, start + rng.randint(0, 15), rng.random()))
    tree = IntervalTree(intervals)
    for _ in range(50):
        start = rng.randint(-5, 110)
        query = Interval(start, start + rng.randint(1, 20))
        assert sorted(tree.overlapping(query)) == brute_overlapping(intervals, query)
        point = rng.uniform(-5, 120)
        assert sorted(tree.at(point)) == sorted(i for i in intervals if i.contains_point(point))


@pytest.mark.parametrize("seed", range(3))
def test_random_removals_keep_queries_right(seed):
    rng = random.Random(100 + seed)
    intervals = [Interval(s, s + rng.randint(1, 10), n) for n, s in enumerate(rng.randint(0, 50) for _ in range(80))]
    tree = IntervalTree(intervals)
    for victim in rng.sample(intervals, 40):
        tree.remove(victim)
        intervals.remove(victim)
    assert len(tree) == 40
    assert sorted(tree) == sorted(intervals)
    assert [(i.start, i.end) for i in tree] == sorted((i.start, i.end) for i in intervals)
    query = Interval(10, 30)
    assert sorted(tree.overlapping(query)) == brute_overlapping(intervals, query)
