"""Writing dates back out: ``strftime``-like patterns with a small set of fields."""

from __future__ import annotations

import re

from datelib.calendar import validate, weekday

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
_FIELD = re.compile(r"%([YymBbdejA%])")


def ordinal(number: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``12th``, ``13th``, ``21st``, ..."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def format_date(date: tuple[int, int, int], pattern: str = "%Y-%m-%d") -> str:
    """``date`` written with ``pattern``.

    Fields: ``%Y`` four-digit year, ``%y`` two-digit year, ``%m`` zero-padded month, ``%B`` month
    name, ``%b`` its first three letters, ``%d`` zero-padded day, ``%e`` ordinal day (``5th``),
    ``%j`` zero-padded day of year, ``%A`` weekday name, ``%%`` a percent sign.
    """
    year, month, day = validate(*date)

    def field(match: re.Match[str]) -> str:
        code = match.group(1)
        if code == "Y":
            return f"{year:04d}"
        if code == "y":
            return f"{year % 100:02d}"
        if code == "m":
            return f"{month:02d}"
        if code == "B":
            return MONTH_NAMES[month - 1]
        if code == "b":
            return MONTH_NAMES[month - 1][:3]
        if code == "d":
            return f"{day:02d}"
        if code == "e":
            return ordinal(day)
        if code == "j":
            from datelib.calendar import day_of_year

            return f"{day_of_year(year, month, day):03d}"
        if code == "A":
            return weekday(year, month, day)
        return "%"

    return _FIELD.sub(field, pattern)
