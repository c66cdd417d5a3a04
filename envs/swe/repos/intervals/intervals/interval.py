"""Half-open intervals ``[start, end)`` and operations on lists of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True, order=True)
class Interval:
    """The half-open interval ``[start, end)`` with an optional payload ``data``."""

    start: float
    end: float
    data: Any = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"interval end {self.end} is before its start {self.start}")

    @property
    def length(self) -> float:
        return self.end - self.start

    def is_empty(self) -> bool:
        return self.start == self.end

    def contains_point(self, point: float) -> bool:
        """True when ``start <= point < end``."""
        return self.start <= point < self.end

    def overlaps(self, other: Interval) -> bool:
        """True when the two intervals share at least one point (touching ends do not)."""
        if self.is_empty() or other.is_empty():
            return False
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        """True when ``other`` lies inside this interval."""
        return self.start <= other.start and other.end <= self.end

    def intersection(self, other: Interval) -> Interval | None:
        """The common part, or ``None`` when they do not overlap."""
        if not self.overlaps(other):
            return None
        return Interval(max(self.start, other.start), min(self.end, other.end))

    def gap(self, other: Interval) -> float:
        """Distance between the intervals (0 when they overlap or touch)."""
        if self.end <= other.start:
            return other.start - self.end
        if other.end <= self.start:
            return self.start - other.end
        return 0.0


def merge(intervals: Iterable[Interval], *, join_touching: bool = True) -> list[Interval]:
    """The union of ``intervals`` as sorted, disjoint intervals (payloads dropped).

    Touching intervals (``[1, 2)`` and ``[2, 3)``) are joined unless ``join_touching`` is False.
    Empty intervals are dropped.
    """
    ordered = sorted((i for i in intervals if not i.is_empty()), key=lambda i: (i.start, i.end))
    merged: list[Interval] = []
    for current in ordered:
        if merged:
            last = merged[-1]
            joins = current.start <= last.end if join_touching else current.start < last.end
            if joins:
                merged[-1] = Interval(last.start, max(last.end, current.end))
                continue
        merged.append(Interval(current.start, current.end))
    return merged


def total_length(intervals: Iterable[Interval]) -> float:
    """Length of the union of ``intervals`` (overlaps counted once)."""
    return sum(i.length for i in merge(intervals))


def complement(intervals: Iterable[Interval], within: Interval) -> list[Interval]:
    """The parts of ``within`` not covered by ``intervals``."""
    gaps = []
    cursor = within.start
    for piece in merge(intervals):
        if piece.end <= within.start or piece.start >= within.end:
            continue
        if piece.start > cursor:
            gaps.append(Interval(cursor, piece.start))
        cursor = max(cursor, piece.end)
    if cursor < within.end:
        gaps.append(Interval(cursor, within.end))
    return gaps
