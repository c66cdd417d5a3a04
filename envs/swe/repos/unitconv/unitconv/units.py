"""Unit definitions and conversion.

A unit is a scale factor to SI base units and a dimension vector over (length, mass, time,
temperature). Compound units are written with ``*``, ``/`` and integer powers (``m/s^2``,
``kg*m/s^2``). Temperatures in degrees Celsius and Fahrenheit have an offset and convert only
on their own, not inside compound units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIMENSIONS = ("length", "mass", "time", "temperature")


class UnknownUnitError(ValueError):
    """A unit name that is not defined."""


class DimensionError(ValueError):
    """A conversion between units of different dimensions (e.g. metres to seconds)."""


@dataclass(frozen=True)
class Unit:
    """``scale`` SI base units of dimension ``powers``, plus an ``offset`` for temperature scales."""

    scale: float
    powers: tuple[int, int, int, int]
    offset: float = 0.0

    def __mul__(self, other: Unit) -> Unit:
        return Unit(self.scale * other.scale, tuple(a + b for a, b in zip(self.powers, other.powers)))  # type: ignore[arg-type]

    def __truediv__(self, other: Unit) -> Unit:
        return Unit(self.scale / other.scale, tuple(a - b for a, b in zip(self.powers, other.powers)))  # type: ignore[arg-type]

    def __pow__(self, exponent: int) -> Unit:
        return Unit(self.scale**exponent, tuple(p * exponent for p in self.powers))  # type: ignore[arg-type]


LENGTH, MASS, TIME, TEMPERATURE = (1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)
BASE_UNITS: dict[str, Unit] = {
    "m": Unit(1.0, LENGTH),
    "in": Unit(0.0254, LENGTH),
    "ft": Unit(0.3048, LENGTH),
    "yd": Unit(0.9144, LENGTH),
    "mi": Unit(1609.344, LENGTH),
    "g": Unit(0.001, MASS),
    "lb": Unit(0.45359237, MASS),
    "oz": Unit(0.028349523125, MASS),
    "s": Unit(1.0, TIME),
    "min": Unit(60.0, TIME),
    "h": Unit(3600.0, TIME),
    "day": Unit(86400.0, TIME),
    "K": Unit(1.0, TEMPERATURE),
    "degC": Unit(1.0, TEMPERATURE, 273.15),
    "degF": Unit(5 / 9, TEMPERATURE, 273.15 - 32 * 5 / 9),
    "L": Unit(0.001, (3, 0, 0, 0)),
    "N": Unit(1.0, (1, 1, -2, 0)),
    "J": Unit(1.0, (2, 1, -2, 0)),
    "W": Unit(1.0, (2, 1, -3, 0)),
    "Hz": Unit(1.0, (0, 0, -1, 0)),
}
PREFIXES = {"G": 1e9, "M": 1e6, "k": 1e3, "h": 1e2, "c": 1e-2, "m": 1e-3, "u": 1e-6, "µ": 1e-6, "n": 1e-9}
# Units that take SI prefixes (``km``, ``mg``, ``ms``, ``kJ``, ...).
PREFIXABLE = {"m", "g", "s", "L", "N", "J", "W", "Hz", "K"}
_FACTOR = re.compile(r"^([A-Za-zµ]+)(?:\^(-?\d+))?$")


def lookup(name: str) -> Unit:
    """A single unit name, with an optional SI prefix."""
    if name in BASE_UNITS:
        return BASE_UNITS[name]
    for prefix, factor in PREFIXES.items():
        rest = name[len(prefix) :]
        if name.startswith(prefix) and rest in PREFIXABLE:
            base = BASE_UNITS[rest]
            return Unit(base.scale * factor, base.powers)
    raise UnknownUnitError(f"unknown unit {name!r}")


def parse_unit(text: str) -> Unit:
    """A unit expression such as ``km``, ``m/s^2`` or ``kg*m/s^2`` (one ``/`` at most)."""
    text = text.replace(" ", "")
    if not text:
        raise UnknownUnitError("empty unit")
    numerator, slash, denominator = text.partition("/")
    if "/" in denominator:
        raise UnknownUnitError(f"{text!r}: use at most one '/'")
    unit = _product(numerator)
    if slash:
        unit = unit / _product(denominator)
    return unit


def _product(text: str) -> Unit:
    unit = Unit(1.0, (0, 0, 0, 0))
    for factor in text.split("*"):
        match = _FACTOR.match(factor)
        if not match:
            raise UnknownUnitError(f"cannot read unit {factor!r}")
        name, power = match.groups()
        base = lookup(name)
        if base.offset and (power is not None or text != factor):
            raise UnknownUnitError(f"{name} has an offset and cannot appear in a compound unit")
        unit = unit * base ** int(power or 1) if not base.offset else base
    return unit


def convert(value: float, source: str, target: str) -> float:
    """``value`` in unit ``source`` expressed in unit ``target``."""
    src, dst = parse_unit(source), parse_unit(target)
    if src.powers != dst.powers:
        raise DimensionError(f"cannot convert {source} ({describe(src)}) to {target} ({describe(dst)})")
    base = value * src.scale + src.offset
    return (base - dst.offset) / dst.scale


def describe(unit: Unit) -> str:
    """The dimension as text, e.g. ``length^1 time^-2``, or ``dimensionless``."""
    parts = [f"{name}^{power}" for name, power in zip(DIMENSIONS, unit.powers) if power != 0]
    return " ".join(parts) if parts else "dimensionless"
