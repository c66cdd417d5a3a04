import pytest

from datelib import DateParseError, parse_date
from datelib.parsing import expand_year, month_number

TODAY = (2024, 2, 28)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-05", (2024, 3, 5)),
        ("2024-3-5", (2024, 3, 5)),
        ("05/03/2024", (2024, 3, 5)),
        ("5.3.2024", (2024, 3, 5)),
        ("March 5, 2024", (2024, 3, 5)),
        ("Mar. 5 2024", (2024, 3, 5)),
        ("5th March 2024", (2024, 3, 5)),
        ("1st Sept 2023", (2023, 9, 1)),
        ("  december   25,  1999 ", (1999, 12, 25)),
    ],
)
def test_absolute_formats(text, expected):
    assert parse_date(text) == expected


def test_month_first_numeric():
    assert parse_date("03/05/2024", day_first=False) == (2024, 3, 5)


def test_two_digit_years():
    assert parse_date("01/02/69") == (2069, 2, 1)
    assert parse_date("01/02/70") == (1970, 2, 1)
    assert expand_year(5, 2) == 2005


@pytest.mark.parametrize(
    "text, expected",
    [
        ("today", TODAY),
        ("tomorrow", (2024, 2, 29)),
        ("yesterday", (2024, 2, 27)),
        ("in 2 days", (2024, 3, 1)),
        ("3 weeks ago", (2024, 2, 7)),
        ("in 1 month", (2024, 3, 28)),
        ("2 years ago", (2022, 2, 28)),
        ("1 day ago", (2024, 2, 27)),
    ],
)
def test_relative_dates(text, expected):
    assert parse_date(text, today=TODAY) == expected


def test_month_names_and_prefixes():
    assert month_number("Feb") == 2
    assert month_number("septem") == 9
    with pytest.raises(DateParseError):
        month_number("ju")  # June or July
    with pytest.raises(DateParseError):
        month_number("Smarch")


@pytest.mark.parametrize("text", ["", "2023-02-29", "31/04/2024", "next tuesday", "2024-13-01", "Jun 31, 2024"])
def test_invalid_dates_raise(text):
    with pytest.raises(DateParseError):
        parse_date(text)
