"""Parsing a template into nodes once and rendering them with a context.

Syntax: ``{{ name.attr|filter:arg }}`` prints a value (HTML-escaped unless ``autoescape`` is off
or the ``safe`` filter ends the chain), ``{% if cond %}...{% elif cond %}...{% else %}...{% endif %}``,
``{% for x in items %}...{% empty %}...{% endfor %}`` (with ``loop.index``, ``loop.first``,
``loop.last``), and ``{# comments #}``. Conditions are ``[not] expr [op expr]`` with ``op`` one
of ``== != < <= > >= in``; an expression is a dotted name, a number or a quoted string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from templite.filters import FILTERS, escape_html

_TOKEN = re.compile(r"({{.*?}}|{%.*?%}|{#.*?#})", re.DOTALL)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", " in ")


class TemplateError(Exception):
    """A template that cannot be parsed, or a value that cannot be rendered."""


class _Safe(str):
    """Text that is not escaped again."""


@dataclass
class _Text:
    text: str


@dataclass
class _Value:
    expression: str
    filters: list[tuple[str, list[str]]]


@dataclass
class _If:
    branches: list[tuple[str, list]] = field(default_factory=list)
    otherwise: list = field(default_factory=list)


@dataclass
class _For:
    name: str
    iterable: str
    body: list = field(default_factory=list)
    empty: list = field(default_factory=list)


class Template:
    """A compiled template; :meth:`render` fills it with a context mapping."""

    def __init__(self, source: str, *, autoescape: bool = True, strict: bool = False):
        self.autoescape = autoescape
        self.strict = strict
        self.nodes = self._parse(source)

    # ---- parsing ---------------------------------------------------------------------------
    def _parse(self, source: str) -> list:
        root: list = []
        stack: list[tuple[str, Any, list]] = [("root", None, root)]
        for token in _TOKEN.split(source):
            if not token:
                continue
            target = stack[-1][2]
            if token.startswith("{#"):
                continue
            if token.startswith("{{"):
                target.append(self._parse_value(token[2:-2].strip()))
                continue
            if not token.startswith("{%"):
                target.append(_Text(token))
                continue
            words = token[2:-2].split()
            if not words:
                raise TemplateError("empty tag {% %}")
            keyword = words[0]
            if keyword == "if":
                node = _If()
                node.branches.append((" ".join(words[1:]), []))
                target.append(node)
                stack.append(("if", node, node.branches[-1][1]))
            elif keyword == "elif":
                kind, node, _ = self._expect(stack, "if", token)
                if node.otherwise:
                    raise TemplateError("{% elif %} after {% else %}")
                node.branches.append((" ".join(words[1:]), []))
                stack[-1] = ("if", node, node.branches[-1][1])
            elif keyword == "else":
                kind, node, _ = self._expect(stack, "if", token)
                stack[-1] = ("else", node, node.otherwise)
            elif keyword == "endif":
                if stack[-1][0] not in ("if", "else"):
                    raise TemplateError(f"unexpected {token}")
                stack.pop()
            elif keyword == "for":
                if len(words) != 4 or words[2] != "in":
                    raise TemplateError(f"bad loop {token}: write {{% for name in items %}}")
                node = _For(words[1], words[3])
                target.append(node)
                stack.append(("for", node, node.body))
            elif keyword == "empty":
                kind, node, _ = self._expect(stack, "for", token)
                stack[-1] = ("empty", node, node.empty)
            elif keyword == "endfor":
                if stack[-1][0] not in ("for", "empty"):
                    raise TemplateError(f"unexpected {token}")
                stack.pop()
            else:
                raise TemplateError(f"unknown tag {keyword!r}")
        if len(stack) > 1:
            raise TemplateError(f"unclosed {{% {stack[-1][0]} %}}")
        return root

    @staticmethod
    def _expect(stack: list, kind: str, token: str) -> tuple:
        if stack[-1][0] != kind:
            raise TemplateError(f"unexpected {token}")
        return stack[-1]

    @staticmethod
    def _parse_value(body: str) -> _Value:
        if not body:
            raise TemplateError("empty expression {{ }}")
        expression, *chain = [part.strip() for part in body.split("|")]
        filters = []
        for item in chain:
            name, _, argument = item.partition(":")
            if name != "safe" and name not in FILTERS:
                raise TemplateError(f"unknown filter {name!r}")
            filters.append((name, [_unquote(argument)] if argument else []))
        return _Value(expression, filters)

    # ---- rendering -------------------------------------------------------------------------
    def render(self, context: Mapping[str, Any] | None = None, **values: Any) -> str:
        """The template filled with ``context`` and keyword ``values``."""
        scope = dict(context or {}, **values)
        out: list[str] = []
        self._render(self.nodes, scope, out)
        return "".join(out)

    def _render(self, nodes: list, scope: dict[str, Any], out: list[str]) -> None:
        for node in nodes:
            if isinstance(node, _Text):
                out.append(node.text)
            elif isinstance(node, _Value):
                out.append(self._value(node, scope))
            elif isinstance(node, _If):
                for condition, body in node.branches:
                    if self._condition(condition, scope):
                        self._render(body, scope, out)
                        break
                else:
                    self._render(node.otherwise, scope, out)
            else:
                items = list(self._lookup(node.iterable, scope) or [])
                if not items:
                    self._render(node.empty, scope, out)
                for index, item in enumerate(items):
                    loop = {"index": index + 1, "index0": index, "first": index == 0, "last": index == len(items) - 1, "length": len(items)}
                    self._render(node.body, {**scope, node.name: item, "loop": loop}, out)

    def _value(self, node: _Value, scope: dict[str, Any]) -> str:
        value = self._lookup(node.expression, scope)
        safe = False
        for name, arguments in node.filters:
            if name == "safe":
                safe = True
                continue
            value = FILTERS[name](value, *arguments)
        if value is None:
            return ""
        if self.autoescape and not safe and not isinstance(value, _Safe):
            return escape_html(value)
        return str(value)

    def _condition(self, text: str, scope: dict[str, Any]) -> bool:
        text = text.strip()
        if text.startswith("not "):
            return not self._condition(text[4:], scope)
        for operator in _OPERATORS:
            if operator in text:
                left, right = (self._lookup(part.strip(), scope) for part in text.split(operator, 1))
                return _compare(left, operator.strip(), right)
        return bool(self._lookup(text, scope))

    def _lookup(self, expression: str, scope: Mapping[str, Any]) -> Any:
        if _NUMBER.match(expression):
            return float(expression) if "." in expression else int(expression)
        if len(expression) >= 2 and expression[0] == expression[-1] and expression[0] in "'\"":
            return expression[1:-1]
        value: Any = scope
        for part in expression.split("."):
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            elif part.isdigit() and isinstance(value, (list, tuple)) and int(part) < len(value):
                value = value[int(part)]
            elif hasattr(value, part) and not part.startswith("_"):
                value = getattr(value, part)
            elif self.strict:
                raise TemplateError(f"{expression!r} is not defined")
            else:
                return None
        return value


def _compare(left: Any, operator: str, right: Any) -> bool:
    if operator == "==":
        return left == right
    if operator == "!=":
        return left != right
    if operator == "in":
        return right is not None and left in right
    if left is None or right is None:
        return False
    if operator == "<":
        return left < right
    if operator == "<=":
        return left <= right
    if operator == ">":
        return left > right
    return left >= right


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def render(source: str, context: Mapping[str, Any] | None = None, **values: Any) -> str:
    """Compile ``source`` and render it once."""
    return Template(source).render(context, **values)
