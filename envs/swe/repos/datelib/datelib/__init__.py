"""datelib: calendar arithmetic and forgiving date parsing (ISO, numeric, written and relative)."""

from datelib.calendar import add_days, add_months, day_of_year, days_between, days_in_month, is_leap_year, weekday
from datelib.formatting import format_date, ordinal
from datelib.parsing import DateParseError, parse_date

__all__ = [
    "DateParseError",
    "add_days",
    "add_months",
    "day_of_year",
    "days_between",
    "days_in_month",
    "format_date",
    "is_leap_year",
    "ordinal",
    "parse_date",
    "weekday",
]
