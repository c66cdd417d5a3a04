"""unitconv: physical quantities with units, dimension checking, SI prefixes and conversions."""

from unitconv.quantity import Quantity, parse_quantity
from unitconv.units import DimensionError, UnknownUnitError, convert, parse_unit

__all__ = ["DimensionError", "Quantity", "UnknownUnitError", "convert", "parse_quantity", "parse_unit"]
