import pytest

from unitconv import DimensionError, Quantity, UnknownUnitError, parse_quantity


@pytest.mark.parametrize(
    "text, value, unit",
    [("3.5 km", 3.5, "km"), ("-40degC", -40, "degC"), ("9.81 m/s^2", 9.81, "m/s^2"), ("1e3 g", 1000, "g"), (".5 h", 0.5, "h"), ("+2 ft", 2, "ft")],
)
def test_parse_quantity(text, value, unit):
    quantity = parse_quantity(text)
    assert quantity.value == pytest.approx(value) and quantity.unit == unit


@pytest.mark.parametrize("text", ["km", "3.5", "three km", ""])
def test_parse_quantity_rejects_garbage(text):
    with pytest.raises(ValueError):
        parse_quantity(text)


def test_unknown_unit_fails_at_construction():
    with pytest.raises(UnknownUnitError):
        Quantity(1, "parsec-ish")


def test_to():
    assert Quantity(1500, "m").to("km").value == pytest.approx(1.5)


def test_addition_uses_the_left_unit():
    total = Quantity(1, "km") + Quantity(500, "m")
    assert total.unit == "km" and total.value == pytest.approx(1.5)


def test_subtraction():
    assert (Quantity(2, "h") - Quantity(30, "min")).value == pytest.approx(1.5)


def test_adding_mismatched_dimensions_fails():
    with pytest.raises(DimensionError):
        Quantity(1, "m") + Quantity(1, "s")


def test_scaling_and_ratios():
    assert (3 * Quantity(2, "kg")).value == 6
    assert (Quantity(3, "m") * 2).value == 6
    assert (Quantity(6, "m") / 3).value == 2
    assert Quantity(1, "km") / Quantity(250, "m") == pytest.approx(4)
    with pytest.raises(DimensionError):
        Quantity(1, "km") / Quantity(1, "s")


def test_ordering_across_units():
    assert Quantity(999, "m") < Quantity(1, "km")
    assert not Quantity(1001, "m") < Quantity(1, "km")
    assert Quantity(1000, "m") <= Quantity(1, "km")


def test_isclose():
    assert Quantity(1, "in").isclose(Quantity(2.54, "cm"))
    assert not Quantity(1, "in").isclose(Quantity(2.5, "cm"))


@pytest.mark.parametrize(
    "value, digits, text",
    [(1234.5678, 3, "1235 m"), (0.012345, 3, "0.0123 m"), (2.5, 3, "2.5 m"), (0, 3, "0 m"), (-3.14159, 2, "-3.1 m"), (100, 3, "100 m")],
)
def test_format(value, digits, text):
    assert Quantity(value, "m").format(digits) == text
