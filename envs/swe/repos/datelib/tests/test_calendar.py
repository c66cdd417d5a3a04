import pytest

from datelib import add_days, add_months, day_of_year, days_between, days_in_month, is_leap_year, weekday
from datelib.calendar import from_ordinal, to_ordinal


@pytest.mark.parametrize("year, leap", [(2024, True), (2023, False), (1900, False), (2000, True), (2100, False), (4, True)])
def test_leap_years(year, leap):
    assert is_leap_year(year) is leap


def test_days_in_each_month_of_a_common_year():
    assert [days_in_month(2023, m) for m in range(1, 13)] == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def test_february_in_a_leap_year():
    assert days_in_month(2024, 2) == 29


def test_month_out_of_range():
    with pytest.raises(ValueError):
        days_in_month(2024, 13)


@pytest.mark.parametrize("date, expected", [((2023, 1, 1), 1), ((2023, 12, 31), 365), ((2024, 12, 31), 366), ((2024, 3, 1), 61)])
def test_day_of_year(date, expected):
    assert day_of_year(*date) == expected


def test_day_of_year_rejects_impossible_dates():
    with pytest.raises(ValueError):
        day_of_year(2023, 2, 29)


def test_ordinals_round_trip():
    for number in (1, 59, 60, 365, 366, 730120, 738000, 800000):
        assert to_ordinal(*from_ordinal(number)) == number


def test_first_ordinal():
    assert to_ordinal(1, 1, 1) == 1
    assert from_ordinal(1) == (1, 1, 1)


def test_add_days_across_year_end():
    assert add_days((2023, 12, 30), 3) == (2024, 1, 2)


def test_add_days_backwards_across_leap_day():
    assert add_days((2024, 3, 1), -1) == (2024, 2, 29)


def test_add_months_clamps_the_day():
    assert add_months((2024, 1, 31), 1) == (2024, 2, 29)
    assert add_months((2023, 1, 31), 1) == (2023, 2, 28)


def test_add_months_across_years():
    assert add_months((2023, 11, 15), 3) == (2024, 2, 15)
    assert add_months((2024, 2, 10), -14) == (2022, 12, 10)


def test_days_between():
    assert days_between((2024, 1, 1), (2024, 3, 1)) == 60
    assert days_between((2024, 3, 1), (2024, 1, 1)) == -60


@pytest.mark.parametrize("date, name", [((2024, 1, 1), "Monday"), ((2000, 2, 29), "Tuesday"), ((1969, 7, 20), "Sunday"), ((2023, 12, 25), "Monday")])
def test_weekday(date, name):
    assert weekday(*date) == name
