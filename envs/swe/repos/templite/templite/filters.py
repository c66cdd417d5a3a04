"""The filters a template can apply with ``{{ value|name }}`` or ``{{ value|name:arg }}``."""

from __future__ import annotations

from typing import Any, Callable


def escape_html(value: Any) -> str:
    """``value`` as text with ``& < > " '`` replaced by HTML entities."""
    text = str(value)
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;")):
        text = text.replace(raw, entity)
    return text


def truncate(value: Any, length: str = "20") -> str:
    """The first ``length`` characters, with ``...`` appended when something was cut."""
    text, limit = str(value), int(length)
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 0)] + "..."


def default(value: Any, fallback: str = "") -> Any:
    """``fallback`` when ``value`` is empty or None."""
    return value if value not in (None, "", [], {}) else fallback


def join(value: Any, separator: str = ", ") -> str:
    return separator.join(str(item) for item in value)


def pluralize(value: Any, suffix: str = "s") -> str:
    """``suffix`` unless ``value`` (a number or a sized thing) is exactly one."""
    count = len(value) if hasattr(value, "__len__") else int(value)
    return "" if count == 1 else suffix


FILTERS: dict[str, Callable[..., Any]] = {
    "upper": lambda value: str(value).upper(),
    "lower": lambda value: str(value).lower(),
    "title": lambda value: str(value).title(),
    "length": lambda value: len(value),
    "first": lambda value: value[0],
    "last": lambda value: value[-1],
    "escape": escape_html,
    "truncate": truncate,
    "default": default,
    "join": join,
    "pluralize": pluralize,
}
