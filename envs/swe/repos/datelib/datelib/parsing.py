"""Parsing dates written in the ways people write them."""

from __future__ import annotations

import re

from datelib.calendar import Date, add_days, add_months, validate

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
    "july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})$")
_WRITTEN_MONTH_FIRST = re.compile(r"^([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$")
_WRITTEN_DAY_FIRST = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)\.?,? (\d{4})$")
_RELATIVE = re.compile(r"^(?:in (\d+) (day|week|month|year)s?|(\d+) (day|week|month|year)s? ago)$")
_NAMED = {"today": 0, "tomorrow": 1, "yesterday": -1}


class DateParseError(ValueError):
    """The text is not a date this parser understands, or names a date that does not exist."""


def month_number(name: str) -> int:
    """1-12 for a month name or an unambiguous prefix of at least three letters."""
    name = name.lower()
    if len(name) < 3:
        raise DateParseError(f"month name {name!r} is too short")
    matches = [number for full, number in MONTHS.items() if full.startswith(name)]
    if len(matches) != 1:
        raise DateParseError(f"unknown month {name!r}")
    return matches[0]


def expand_year(year: int, digits: int, pivot: int = 70) -> int:
    """Two-digit years: below ``pivot`` are 20xx, the others 19xx."""
    if digits == 4:
        return year
    return 2000 + year if year < pivot else 1900 + year


def parse_date(text: str, *, today: tuple[int, int, int] = (2024, 1, 1), day_first: bool = True) -> Date:
    """A :class:`~datelib.calendar.Date` from ``text``.

    Understands ``2024-03-05``, ``05/03/2024`` (day first unless ``day_first=False``), two-digit
    years, ``March 5, 2024``, ``5th Mar 2024``, ``today``/``tomorrow``/``yesterday`` and
    ``in 3 days`` / ``2 weeks ago`` / ``in 1 month`` relative to ``today``.
    """
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        raise DateParseError("empty date")
    try:
        return _parse(cleaned, today, day_first)
    except DateParseError:
        raise
    except ValueError as exc:
        raise DateParseError(str(exc)) from None


def _parse(text: str, today: tuple[int, int, int], day_first: bool) -> Date:
    if text in _NAMED:
        return add_days(today, _NAMED[text])
    if match := _ISO.match(text):
        year, month, day = map(int, match.groups())
        return validate(year, month, day)
    if match := _NUMERIC.match(text):
        first, second, year_text = match.groups()
        day, month = (int(first), int(second)) if day_first else (int(second), int(first))
        return validate(expand_year(int(year_text), len(year_text)), month, day)
    if match := _WRITTEN_MONTH_FIRST.match(text):
        name, day, year = match.groups()
        return validate(int(year), month_number(name), int(day))
    if match := _WRITTEN_DAY_FIRST.match(text):
        day, name, year = match.groups()
        return validate(int(year), month_number(name), int(day))
    if match := _RELATIVE.match(text):
        ahead_count, ahead_unit, ago_count, ago_unit = match.groups()
        count, unit = (int(ahead_count), ahead_unit) if ahead_count else (-int(ago_count), ago_unit)
        return _shift(today, count, unit)
    raise DateParseError(f"cannot read {text!r} as a date")


def _shift(today: tuple[int, int, int], count: int, unit: str) -> Date:
    if unit == "day":
        return add_days(today, count)
    if unit == "week":
        return add_days(today, 7 * count)
    if unit == "month":
        return add_months(today, count)
    return add_months(today, 12 * count)
