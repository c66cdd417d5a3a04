"""Quantities: a number with a unit, with arithmetic that checks dimensions."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from unitconv.units import DimensionError, convert, parse_unit

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(.+?)\s*$")


@dataclass(frozen=True)
class Quantity:
    """``value`` in ``unit`` (a unit expression understood by :func:`unitconv.parse_unit`)."""

    value: float
    unit: str

    def __post_init__(self) -> None:
        parse_unit(self.unit)  # fail early on unknown units

    def to(self, unit: str) -> Quantity:
        """The same amount in another unit."""
        return Quantity(convert(self.value, self.unit, unit), unit)

    def __add__(self, other: Quantity) -> Quantity:
        """Sum in this quantity's unit."""
        return Quantity(self.value + other.to(self.unit).value, self.unit)

    def __sub__(self, other: Quantity) -> Quantity:
        return Quantity(self.value - other.to(self.unit).value, self.unit)

    def __mul__(self, factor: float) -> Quantity:
        return Quantity(self.value * factor, self.unit)

    __rmul__ = __mul__

    def __truediv__(self, divisor: float | Quantity) -> Quantity | float:
        """Divided by a number (same unit) or by a quantity of the same dimension (a ratio)."""
        if isinstance(divisor, Quantity):
            if parse_unit(self.unit).powers != parse_unit(divisor.unit).powers:
                raise DimensionError(f"{self.unit} / {divisor.unit} is not a plain ratio")
            return self.value / divisor.to(self.unit).value
        return Quantity(self.value / divisor, self.unit)

    def __lt__(self, other: Quantity) -> bool:
        return self.value < other.to(self.unit).value

    def __le__(self, other: Quantity) -> bool:
        return self.value <= other.to(self.unit).value

    def isclose(self, other: Quantity, rel_tol: float = 1e-9) -> bool:
        """Equal within ``rel_tol`` once converted to the same unit."""
        return math.isclose(self.value, other.to(self.unit).value, rel_tol=rel_tol, abs_tol=1e-12)

    def format(self, digits: int = 3) -> str:
        """``value unit`` with ``digits`` significant digits and no trailing zeros."""
        if self.value == 0:
            return f"0 {self.unit}"
        magnitude = math.floor(math.log10(abs(self.value)))
        decimals = max(digits - 1 - magnitude, 0)
        text = f"{round(self.value, decimals):.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return f"{text} {self.unit}"


def parse_quantity(text: str) -> Quantity:
    """``"3.5 km"``, ``"-40degC"``, ``"9.81 m/s^2"``, ``"1e3 g"`` as a :class:`Quantity`."""
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(f"cannot read {text!r} as a quantity: write a number then a unit, e.g. '3.5 km'")
    number, unit = match.groups()
    return Quantity(float(number), unit)
