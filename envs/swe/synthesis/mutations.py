"""Mutation operators on Python source with libcst: each finds its sites inside functions and
rewrites exactly one of them, keeping every other byte of the file as it was.

Operators: ``swap_operator`` (``+``/``-``, ``*``/``/``, ``//``/``%``), ``swap_comparison``
(``<``/``<=``, ``>``/``>=``, ``==``/``!=``, ``in``/``not in``), ``swap_boolean`` (``and``/``or``),
``change_constant`` (integers ±1, ``True``/``False``), ``off_by_one`` (``x + 1`` → ``x``,
``x - 1`` → ``x``, slice bounds ±1), ``invert_condition`` (``if c`` → ``if not c``),
``remove_statement`` (drop one simple statement from a block of several), ``remove_branch``
(drop an ``elif``/``else``), ``swap_identity`` (``is``/``is not``), ``swap_builtin`` (calls of
``min``/``max``, ``any``/``all``), ``swap_method`` (``.startswith``/``.endswith``, ``.lower``/``.upper``,
``.lstrip``/``.rstrip``, ``.keys``/``.values``), ``swap_augmented`` (``+=``/``-=``, ``*=``/``/=``),
``swap_loop_control`` (``break``/``continue``), ``swap_if_else`` (exchange the bodies of an
``if``/``else``) and ``drop_unary`` (``not x`` → ``x``, ``-x`` → ``x``).
"""

from __future__ import annotations

from dataclasses import dataclass
import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

_BINARY_SWAPS = {cst.Add: cst.Subtract, cst.Subtract: cst.Add, cst.Multiply: cst.Divide, cst.Divide: cst.Multiply,
                 cst.FloorDivide: cst.Modulo, cst.Modulo: cst.FloorDivide}
_COMPARISON_SWAPS = {cst.LessThan: cst.LessThanEqual, cst.LessThanEqual: cst.LessThan, cst.GreaterThan: cst.GreaterThanEqual,
                     cst.GreaterThanEqual: cst.GreaterThan, cst.Equal: cst.NotEqual, cst.NotEqual: cst.Equal,
                     cst.In: cst.NotIn, cst.NotIn: cst.In}
_IDENTITY_SWAPS = {cst.Is: cst.IsNot, cst.IsNot: cst.Is}
_AUGMENTED_SWAPS = {cst.AddAssign: cst.SubtractAssign, cst.SubtractAssign: cst.AddAssign,
                    cst.MultiplyAssign: cst.DivideAssign, cst.DivideAssign: cst.MultiplyAssign}
_BUILTIN_SWAPS = {"min": "max", "max": "min", "any": "all", "all": "any"}
_METHOD_SWAPS = {"startswith": "endswith", "endswith": "startswith", "lower": "upper", "upper": "lower",
                 "lstrip": "rstrip", "rstrip": "lstrip", "keys": "values", "values": "keys"}
OPERATORS = ("swap_operator", "swap_comparison", "swap_boolean", "change_constant", "off_by_one", "invert_condition",
             "remove_statement", "remove_branch", "swap_identity", "swap_builtin", "swap_method", "swap_augmented",
             "swap_loop_control", "swap_if_else", "drop_unary")


@dataclass(frozen=True)
class Site:
    """One place an operator can change: which operator, its index among that operator's sites
    in the file, the enclosing function and line, and a description of the change."""

    operator: str
    index: int
    function: str
    line: int
    description: str


class _Mutator(cst.CSTTransformer):
    """Walks a module once; lists every site, and rewrites the one at ``target`` if given."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, target: tuple[str, int] | None = None):
        super().__init__()
        self.target = target
        self.sites: list[Site] = []
        self.functions: list[str] = []
        self.counts: dict[str, int] = {}
        self.applied: Site | None = None

    # -- bookkeeping -------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node.name.value)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        self.functions.pop()
        return updated

    def _site(self, operator: str, node: cst.CSTNode, description: str) -> bool:
        """Record a site; True when it is the one to rewrite."""
        if not self.functions:
            return False
        index = self.counts.get(operator, 0)
        self.counts[operator] = index + 1
        line = self.get_metadata(PositionProvider, node).start.line
        site = Site(operator, index, ".".join(self.functions), line, description)
        self.sites.append(site)
        if self.target == (operator, index):
            self.applied = site
            return True
        return False

    # -- operators ---------------------------------------------------------------------------
    def leave_BinaryOperation(self, original: cst.BinaryOperation, updated: cst.BinaryOperation) -> cst.BaseExpression:
        swap = _BINARY_SWAPS.get(type(original.operator))
        if swap is not None and self._site("swap_operator", original, f"{_code(original.operator).strip()} -> {_code(swap()).strip()}"):
            return updated.with_changes(operator=swap(whitespace_before=updated.operator.whitespace_before,
                                                      whitespace_after=updated.operator.whitespace_after))
        if (isinstance(original.operator, (cst.Add, cst.Subtract)) and isinstance(original.right, cst.Integer)
                and original.right.value == "1" and self._site("off_by_one", original, f"{_code(original)} -> {_code(original.left)}")):
            return updated.left
        return updated

    def leave_Comparison(self, original: cst.Comparison, updated: cst.Comparison) -> cst.BaseExpression:
        targets = list(updated.comparisons)
        for position, item in enumerate(original.comparisons):
            operator = "swap_identity" if type(item.operator) in _IDENTITY_SWAPS else "swap_comparison"
            swap = _COMPARISON_SWAPS.get(type(item.operator)) or _IDENTITY_SWAPS.get(type(item.operator))
            if swap is None:
                continue
            if self._site(operator, original, f"{_code(item.operator).strip()} -> {_code(swap()).strip()}"):
                old = targets[position].operator
                new = swap(whitespace_before=old.whitespace_before, whitespace_after=old.whitespace_after)
                targets[position] = targets[position].with_changes(operator=new)
                return updated.with_changes(comparisons=targets)
        return updated

    def leave_BooleanOperation(self, original: cst.BooleanOperation, updated: cst.BooleanOperation) -> cst.BaseExpression:
        swap = cst.Or if isinstance(original.operator, cst.And) else cst.And
        if self._site("swap_boolean", original, f"{_code(original.operator).strip()} -> {_code(swap()).strip()}"):
            old = updated.operator
            return updated.with_changes(operator=swap(whitespace_before=old.whitespace_before, whitespace_after=old.whitespace_after))
        return updated

    def leave_Integer(self, original: cst.Integer, updated: cst.Integer) -> cst.BaseExpression:
        try:
            value = int(original.value, 0)
        except ValueError:
            return updated
        new = value + 1 if value in (0, 1) or value % 2 == 0 else value - 1
        if self._site("change_constant", original, f"{original.value} -> {new}"):
            return cst.Integer(str(new))
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if original.value in ("True", "False"):
            flipped = "False" if original.value == "True" else "True"
            if self._site("change_constant", original, f"{original.value} -> {flipped}"):
                return cst.Name(flipped)
        return updated

    def leave_Slice(self, original: cst.Slice, updated: cst.Slice) -> cst.Slice:
        for part in ("lower", "upper"):
            bound = getattr(original, part)
            if bound is not None and self._site("off_by_one", original, f"slice {part} bound {_code(bound)} -> {_code(bound)} + 1"):
                return updated.with_changes(**{part: cst.BinaryOperation(getattr(updated, part), cst.Add(), cst.Integer("1"))})
        return updated

    def leave_If(self, original: cst.If, updated: cst.If) -> cst.If:
        negated = isinstance(original.test, cst.UnaryOperation) and isinstance(original.test.operator, cst.Not)  # drop_unary's site
        if not negated and self._site("invert_condition", original, f"if {_code(original.test)} -> if not ({_code(original.test)})"):
            return updated.with_changes(test=cst.UnaryOperation(cst.Not(), updated.test.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])))
        if original.orelse is not None:
            kind = "elif" if isinstance(original.orelse, cst.If) else "else"
            if self._site("remove_branch", original, f"remove the {kind} branch of if {_code(original.test)}"):
                return updated.with_changes(orelse=None)
        if isinstance(original.orelse, cst.Else) and self._site("swap_if_else", original, f"swap the if and else bodies of if {_code(original.test)}"):
            return updated.with_changes(body=updated.orelse.body, orelse=updated.orelse.with_changes(body=updated.body))
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        function = original.func
        if isinstance(function, cst.Name) and function.value in _BUILTIN_SWAPS:
            other = _BUILTIN_SWAPS[function.value]
            if self._site("swap_builtin", original, f"{function.value}(...) -> {other}(...)"):
                return updated.with_changes(func=cst.Name(other))
        if isinstance(function, cst.Attribute) and function.attr.value in _METHOD_SWAPS:
            other = _METHOD_SWAPS[function.attr.value]
            if self._site("swap_method", original, f".{function.attr.value}(...) -> .{other}(...)"):
                return updated.with_changes(func=updated.func.with_changes(attr=cst.Name(other)))
        return updated

    def leave_AugAssign(self, original: cst.AugAssign, updated: cst.AugAssign) -> cst.AugAssign:
        swap = _AUGMENTED_SWAPS.get(type(original.operator))
        if swap is not None and self._site("swap_augmented", original, f"{_code(original.operator).strip()} -> {_code(swap()).strip()}"):
            old = updated.operator
            return updated.with_changes(operator=swap(whitespace_before=old.whitespace_before, whitespace_after=old.whitespace_after))
        return updated

    def leave_Break(self, original: cst.Break, updated: cst.Break) -> cst.BaseSmallStatement:
        return cst.Continue(semicolon=updated.semicolon) if self._site("swap_loop_control", original, "break -> continue") else updated

    def leave_Continue(self, original: cst.Continue, updated: cst.Continue) -> cst.BaseSmallStatement:
        return cst.Break(semicolon=updated.semicolon) if self._site("swap_loop_control", original, "continue -> break") else updated

    def leave_UnaryOperation(self, original: cst.UnaryOperation, updated: cst.UnaryOperation) -> cst.BaseExpression:
        if isinstance(original.operator, (cst.Not, cst.Minus)) and self._site("drop_unary", original, f"{_code(original)} -> {_code(original.expression)}"):
            return updated.expression
        return updated

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        if len(original.body) < 2:
            return updated
        for position, statement in enumerate(original.body):
            if not isinstance(statement, cst.SimpleStatementLine) or _is_docstring(statement) or _is_return(statement):
                continue
            if self._site("remove_statement", statement, f"remove `{_code(statement).strip()[:80]}`"):
                return updated.with_changes(body=[s for i, s in enumerate(updated.body) if i != position])
        return updated


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _is_docstring(statement: cst.SimpleStatementLine) -> bool:
    return len(statement.body) == 1 and isinstance(statement.body[0], cst.Expr) and isinstance(statement.body[0].value, cst.SimpleString)


def _is_return(statement: cst.SimpleStatementLine) -> bool:
    return any(isinstance(s, (cst.Return, cst.Raise)) for s in statement.body)


def list_sites(source: str) -> list[Site]:
    """Every mutation site inside functions of ``source``."""
    mutator = _Mutator()
    MetadataWrapper(cst.parse_module(source)).visit(mutator)
    return mutator.sites


def apply_site(source: str, site: Site) -> str:
    """``source`` with ``site`` rewritten (raises ``LookupError`` if the site no longer exists)."""
    mutator = _Mutator((site.operator, site.index))
    mutated = MetadataWrapper(cst.parse_module(source)).visit(mutator).code
    if mutator.applied is None or mutated == source:
        raise LookupError(f"no {site.operator} site #{site.index} in this source")
    compile(mutated, "<mutant>", "exec")
    return mutated

