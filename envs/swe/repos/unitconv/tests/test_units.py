import pytest

from unitconv import DimensionError, UnknownUnitError, convert, parse_unit
from unitconv.units import describe


@pytest.mark.parametrize(
    "value, source, target, expected",
    [
        (1, "km", "m", 1000),
        (1, "mi", "km", 1.609344),
        (12, "in", "ft", 1),
        (3, "ft", "yd", 1),
        (1, "lb", "g", 453.59237),
        (16, "oz", "lb", 1),
        (90, "min", "h", 1.5),
        (1, "day", "s", 86400),
        (250, "mL", "L", 0.25),
        (1, "L", "cm^3", 1000),
        (1, "kg", "mg", 1e6),
        (5, "ms", "us", 5000),
        (2, "GHz", "MHz", 2000),
    ],
)
def test_plain_conversions(value, source, target, expected):
    assert convert(value, source, target) == pytest.approx(expected)


@pytest.mark.parametrize(
    "value, source, target, expected",
    [(0, "degC", "K", 273.15), (100, "degC", "degF", 212), (-40, "degF", "degC", -40), (32, "degF", "K", 273.15), (300, "K", "degC", 26.85)],
)
def test_temperatures(value, source, target, expected):
    assert convert(value, source, target) == pytest.approx(expected)


def test_compound_units():
    assert convert(36, "km/h", "m/s") == pytest.approx(10)
    assert convert(1, "N", "kg*m/s^2") == pytest.approx(1)
    assert convert(1, "kW*h", "J") == pytest.approx(3.6e6)
    assert convert(9.81, "m/s^2", "ft/s^2") == pytest.approx(32.185, rel=1e-4)


def test_dimension_mismatch():
    with pytest.raises(DimensionError):
        convert(1, "m", "s")
    with pytest.raises(DimensionError):
        convert(1, "m/s", "m/s^2")


@pytest.mark.parametrize("name", ["furlong", "", "m//s", "m/s/s", "kdegC", "degC*m", "2m"])
def test_unknown_units(name):
    with pytest.raises(UnknownUnitError):
        parse_unit(name)


def test_prefix_only_on_prefixable_units():
    with pytest.raises(UnknownUnitError):
        parse_unit("kft")
    assert parse_unit("cm").scale == pytest.approx(0.01)


def test_describe_dimensions():
    assert describe(parse_unit("m/s^2")) == "length^1 time^-2"
    assert describe(parse_unit("m/km")) == "dimensionless"
