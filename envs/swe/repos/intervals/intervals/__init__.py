"""intervals: half-open numeric intervals, interval sets and an interval tree for overlap queries."""

from intervals.interval import Interval, merge, total_length
from intervals.tree import IntervalTree

__all__ = ["Interval", "IntervalTree", "merge", "total_length"]
