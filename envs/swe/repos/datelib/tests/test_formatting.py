import pytest

from datelib import format_date, ordinal


@pytest.mark.parametrize("number, text", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"), (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th")])
def test_ordinal(number, text):
    assert ordinal(number) == text


def test_default_pattern_is_iso():
    assert format_date((2024, 3, 5)) == "2024-03-05"


def test_names_and_ordinals():
    assert format_date((2024, 3, 5), "%A, %B %e %Y") == "Tuesday, March 5th 2024"
    assert format_date((2023, 9, 1), "%d %b %y") == "01 Sep 23"


def test_day_of_year_and_percent():
    assert format_date((2024, 12, 31), "%j%%") == "366%"


def test_format_rejects_bad_dates():
    with pytest.raises(ValueError):
        format_date((2023, 2, 29))
