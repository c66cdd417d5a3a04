"""Proleptic Gregorian calendar arithmetic on (year, month, day) triples."""

from __future__ import annotations

from typing import NamedTuple

_MONTH_LENGTHS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Date(NamedTuple):
    """A calendar date."""

    year: int
    month: int
    day: int


def is_leap_year(year: int) -> bool:
    """True for years divisible by 4, except centuries not divisible by 400."""
    if year % 400 == 0:
        return True
    if year % 100 == 0:
        return False
    return year % 4 == 0


def days_in_month(year: int, month: int) -> int:
    """Number of days in ``month`` (1-12) of ``year``."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be in 1..12, got {month}")
    if month == 2 and is_leap_year(year):
        return 29
    return _MONTH_LENGTHS[month - 1]


def validate(year: int, month: int, day: int) -> Date:
    """The date, or ``ValueError`` if it does not exist."""
    if year < 1:
        raise ValueError(f"year must be positive, got {year}")
    if not 1 <= day <= days_in_month(year, month):
        raise ValueError(f"day {day} is out of range for {year}-{month:02d}")
    return Date(year, month, day)


def day_of_year(year: int, month: int, day: int) -> int:
    """1 for January 1st, up to 365 or 366."""
    validate(year, month, day)
    total = day
    for earlier in range(1, month):
        total += days_in_month(year, earlier)
    return total


def to_ordinal(year: int, month: int, day: int) -> int:
    """Days since 0001-01-01 plus one (0001-01-01 is 1)."""
    previous = year - 1
    days_before_year = previous * 365 + previous // 4 - previous // 100 + previous // 400
    return days_before_year + day_of_year(year, month, day)


def from_ordinal(number: int) -> Date:
    """Inverse of :func:`to_ordinal`."""
    if number < 1:
        raise ValueError(f"ordinal must be at least 1, got {number}")
    year = max(1, number * 400 // 146097)
    while to_ordinal(year + 1, 1, 1) <= number:
        year += 1
    while to_ordinal(year, 1, 1) > number:
        year -= 1
    remaining = number - to_ordinal(year, 1, 1) + 1
    month = 1
    while remaining > days_in_month(year, month):
        remaining -= days_in_month(year, month)
        month += 1
    return Date(year, month, remaining)


def add_days(date: tuple[int, int, int], days: int) -> Date:
    """``date`` moved by ``days`` (negative moves back)."""
    return from_ordinal(to_ordinal(*date) + days)


def add_months(date: tuple[int, int, int], months: int) -> Date:
    """``date`` moved by whole months; the day is clamped to the target month's length."""
    year, month, day = validate(*date)
    index = year * 12 + (month - 1) + months
    new_year, new_month = divmod(index, 12)
    new_month += 1
    return Date(new_year, new_month, min(day, days_in_month(new_year, new_month)))


def days_between(start: tuple[int, int, int], end: tuple[int, int, int]) -> int:
    """Days from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    return to_ordinal(*end) - to_ordinal(*start)


def weekday(year: int, month: int, day: int) -> str:
    """The English name of the day of the week."""
    return WEEKDAYS[(to_ordinal(year, month, day) - 1) % 7]
