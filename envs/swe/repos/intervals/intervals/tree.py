"""An augmented binary search tree of intervals (keyed by start, each node knowing its subtree's
largest end) for point, overlap and containment queries."""

from __future__ import annotations

from typing import Iterable, Iterator

from intervals.interval import Interval


class _Node:
    __slots__ = ("interval", "left", "right", "max_end", "height")

    def __init__(self, interval: Interval):
        self.interval = interval
        self.left: _Node | None = None
        self.right: _Node | None = None
        self.max_end = interval.end
        self.height = 1


def _height(node: _Node | None) -> int:
    return node.height if node is not None else 0


def _update(node: _Node) -> None:
    node.height = 1 + max(_height(node.left), _height(node.right))
    node.max_end = node.interval.end
    for child in (node.left, node.right):
        if child is not None and child.max_end > node.max_end:
            node.max_end = child.max_end


def _rotate_right(node: _Node) -> _Node:
    pivot = node.left
    assert pivot is not None
    node.left = pivot.right
    pivot.right = node
    _update(node)
    _update(pivot)
    return pivot


def _rotate_left(node: _Node) -> _Node:
    pivot = node.right
    assert pivot is not None
    node.right = pivot.left
    pivot.left = node
    _update(node)
    _update(pivot)
    return pivot


def _balance(node: _Node) -> _Node:
    _update(node)
    skew = _height(node.left) - _height(node.right)
    if skew > 1:
        assert node.left is not None
        if _height(node.left.left) < _height(node.left.right):
            node.left = _rotate_left(node.left)
        return _rotate_right(node)
    if skew < -1:
        assert node.right is not None
        if _height(node.right.right) < _height(node.right.left):
            node.right = _rotate_right(node.right)
        return _rotate_left(node)
    return node


def _key(interval: Interval) -> tuple[float, float]:
    return (interval.start, interval.end)


class IntervalTree:
    """A balanced (AVL) tree of :class:`Interval` objects.

    ``add`` and ``remove`` are O(log n); ``at(point)``, ``overlapping(interval)`` and
    ``enveloped_by(interval)`` return matches sorted by (start, end).
    """

    def __init__(self, intervals: Iterable[Interval] = ()):
        self._root: _Node | None = None
        self._size = 0
        for interval in intervals:
            self.add(interval)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Interval]:
        stack: list[_Node] = []
        node = self._root
        while stack or node is not None:
            while node is not None:
                stack.append(node)
                node = node.left
            node = stack.pop()
            yield node.interval
            node = node.right

    def __contains__(self, interval: object) -> bool:
        return isinstance(interval, Interval) and any(i == interval for i in self)

    @property
    def height(self) -> int:
        return _height(self._root)

    def add(self, interval: Interval) -> None:
        """Insert ``interval`` (duplicates are kept)."""
        self._root = self._insert(self._root, interval)
        self._size += 1

    def _insert(self, node: _Node | None, interval: Interval) -> _Node:
        if node is None:
            return _Node(interval)
        if _key(interval) < _key(node.interval):
            node.left = self._insert(node.left, interval)
        else:
            node.right = self._insert(node.right, interval)
        return _balance(node)

    def remove(self, interval: Interval) -> None:
        """Remove one interval equal to ``interval``; ``KeyError`` if there is none."""
        self._root, removed = self._delete(self._root, interval)
        if not removed:
            raise KeyError(f"{interval} is not in the tree")
        self._size -= 1

    def _delete(self, node: _Node | None, interval: Interval) -> tuple[_Node | None, bool]:
        if node is None:
            return None, False
        if node.interval == interval:
            if node.left is None:
                return node.right, True
            if node.right is None:
                return node.left, True
            successor = node.right
            while successor.left is not None:
                successor = successor.left
            node.interval = successor.interval
            node.right, _ = self._delete(node.right, successor.interval)
            return _balance(node), True
        removed = False
        if _key(interval) <= _key(node.interval):  # equal keys can sit on either side after rotations
            node.left, removed = self._delete(node.left, interval)
        if not removed and _key(interval) >= _key(node.interval):
            node.right, removed = self._delete(node.right, interval)
        return _balance(node), removed

    def at(self, point: float) -> list[Interval]:
        """Intervals containing ``point``."""
        return [i for i in self._search(self._root, point, point, point_query=True)]

    def overlapping(self, query: Interval) -> list[Interval]:
        """Intervals sharing at least one point with ``query``."""
        if query.is_empty():
            return []
        return list(self._search(self._root, query.start, query.end, point_query=False))

    def enveloped_by(self, query: Interval) -> list[Interval]:
        """Intervals lying completely inside ``query``."""
        return [i for i in self.overlapping(query) if query.contains(i)]

    def _search(self, node: _Node | None, start: float, end: float, point_query: bool) -> Iterator[Interval]:
        if node is None or node.max_end <= start:
            return
        yield from self._search(node.left, start, end, point_query)
        interval = node.interval
        if point_query:
            if interval.contains_point(start):
                yield interval
        elif not interval.is_empty() and interval.start < end and start < interval.end:
            yield interval
        if interval.start < end or (point_query and interval.start <= start):
            yield from self._search(node.right, start, end, point_query)

    def span(self) -> Interval | None:
        """The smallest interval covering every interval in the tree."""
        if self._root is None:
            return None
        first = next(iter(self))
        return Interval(first.start, self._root.max_end)
