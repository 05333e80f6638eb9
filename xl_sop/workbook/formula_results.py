"""The results of native formulas, computed as Excel computes them, for the formulas xl-sop writes and the template holds.

A workbook written headless (FileBook) carries each formula's result as its cached value, so a reader that does not
calculate (openpyxl, a viewer, the published copy) shows the right figures and Publish needs no spreadsheet
application to recalculate. This is not a spreadsheet engine: it takes the functions and operators the workbook's
formulas use (the chart tables' SUMIFS over OFFSET, the targets' INDEX/MATCH, the executive tiles' SUM, TEXT and
IFERROR, the consensus' MAX and N) with Excel's rules for blanks, text, errors and criteria. A formula with anything
else raises Unsupported: the caller leaves it without a result, and Excel (or LibreOffice, for Publish) calculates it.

References: A1 and A1:B9 (with $ and a 'Sheet'! prefix), defined names that stand for a range, and structured
references to tables (tbl[Column], tbl[[#Data],[Column]], tbl[[#All],[A]:[B]], tbl).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol, TypeAlias

import numpy as np

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


class Unsupported(Exception):
    """A formula this module does not calculate (a function or a reference it does not take)."""


@dataclass(frozen=True)
class Error:
    """An Excel error value (#N/A, #DIV/0!, #VALUE!, #REF!, #NUM!, #NAME?)."""

    code: str


NA, DIV0, VALUE, REF = Error("#N/A"), Error("#DIV/0!"), Error("#VALUE!"), Error("#REF!")
Result = float | str | bool | Error | None
ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                         "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#UNKNOWN!", "#BUSY!"})
"""Excel's error values as a cell holds them (t="e"); a cell reader gives them as this text."""


def _from_cell(value: object) -> object:
    """A cell's value as a formula reads it: an error value, which the reader gives as its text ('#N/A'), is the
    error (IFERROR catches it, SUM of it is it). Text typed as '#N/A reads the same way: the reader tells them
    apart no more than this."""
    return Error(value) if isinstance(value, str) and value in ERROR_CODES else value


@dataclass(frozen=True)
class Area:
    """A rectangle of cells on a sheet, 1-based and inclusive."""

    sheet: str
    r1: int
    c1: int
    r2: int
    c2: int

    @property
    def rows(self) -> int:
        return self.r2 - self.r1 + 1

    @property
    def cols(self) -> int:
        return self.c2 - self.c1 + 1


@dataclass(frozen=True)
class TableArea:
    """Where a table is: its sheet, header row to last row (Total Row included), columns and header names."""

    sheet: str
    r1: int
    c1: int
    r2: int
    c2: int
    headers: tuple[str, ...]
    totals: int = 0


class Cells(Protocol):
    """What the calculator reads from the workbook."""

    def column(self, sheet: str, first_row: int, last_row: int, col: int) -> list[object]:
        """The values of one column of cells (formulas: their results), top to bottom; None for an empty cell."""

    def table(self, name: str) -> TableArea | None:
        """The table of that name (case-insensitive), or None."""

    def defined_name(self, name: str) -> str | None:
        """The text a workbook-level defined name stands for (such as '1 Demand'!$B$4), or None."""


_A1 = re.compile(r"^(?:(?:'((?:[^']|'')+)'|([^'!]+))!)?\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")
_STRUCTURED = re.compile(r"^([A-Za-z_\\][\w.]*)\[(.*)\]$")


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


# --- values: Excel's coercions -----------------------------------------------------------------------------------


def _number(value: object) -> float | Error:
    """A value as a number in arithmetic: blank is 0, TRUE 1, text that reads as a number that number."""
    if isinstance(value, Error):
        return value
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return VALUE


def _text(value: object) -> str | Error:
    """A value as text (in & and TEXT): numbers in Excel's General format, TRUE/FALSE in capitals, blank empty."""
    if isinstance(value, Error):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _general(float(value))
    return str(value)


def _general(number: float) -> str:
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.15g}".replace("e+", "E+").replace("e-", "E-")


def _truth(value: object) -> bool | Error:
    if isinstance(value, Error):
        return value
    if isinstance(value, str):
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        return VALUE
    number = _number(value)
    return number if isinstance(number, Error) else number != 0


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _compare(left: object, right: object) -> int:
    """Excel's order: numbers < text (case-insensitive) < logical; blank as 0 or empty text."""
    def rank(v: object) -> tuple[int, object]:
        if isinstance(v, bool):
            return 2, v
        if isinstance(v, str):
            return 1, v.lower()
        return 0, float(v) if v is not None else 0.0  # type: ignore[arg-type]

    if left is None and isinstance(right, str):
        left = ""
    if right is None and isinstance(left, str):
        right = ""
    a, b = rank(left), rank(right)
    return (a > b) - (a < b)


# --- ranges as columns of numbers and texts (criteria and sums over thousands of rows in numpy) -----------------


@dataclass
class _Columns:
    """An area's cells, each column as numbers (NaN where no number) and as lower-case text (None where no text);
    ``errors``: the error value of each cell holding one, None elsewhere."""

    numbers: np.ndarray
    texts: np.ndarray
    blank: np.ndarray
    errors: np.ndarray


@dataclass
class Calculator:
    """Formulas evaluated against ``cells``; ``pending``: {(sheet, row, column): formula} whose result is computed
    first when another formula reads the cell (results computed are kept in ``results``)."""

    cells: Cells
    pending: dict[tuple[str, int, int], str] = field(default_factory=dict)
    results: dict[tuple[str, int, int], Result] = field(default_factory=dict)
    _columns: dict[Area, _Columns] = field(default_factory=dict)
    _busy: set[tuple[str, int, int]] = field(default_factory=set)
    _sheet_names: dict[str, str] = field(default_factory=dict)
    """The sheets of the pending formulas by lower-case name: a reference to 'data'!A1 reads Data's pending A1 (Excel's
    sheet names are case-insensitive)."""

    def __post_init__(self) -> None:
        self._sheet_names = {sheet.lower(): sheet for sheet, _row, _col in self.pending}

    def result(self, sheet: str, row: int, col: int) -> Result:
        """The result of the pending formula at the cell (computed once); Unsupported when it cannot be."""
        at = (sheet, row, col)
        if at in self.results:
            return self.results[at]
        if at in self._busy:
            raise Unsupported("a circular reference")
        self._busy.add(at)
        try:
            value = self.evaluate(self.pending[at], sheet)
        finally:
            self._busy.discard(at)
        self.results[at] = value
        return value

    def evaluate(self, formula: str, sheet: str) -> Result:
        """The result of ``formula`` (without its leading =) written on ``sheet``."""
        from openpyxl.formula import Tokenizer

        try:
            tokens = [t for t in Tokenizer("=" + formula).items if t.type != "WHITE-SPACE"]
        except Exception as exc:  # the tokenizer's own errors: a formula it cannot read
            raise Unsupported(str(exc)) from exc
        parser = _Parser(tokens, sheet)
        tree = parser.expression()
        if parser.at < len(tokens):
            raise Unsupported(f"cannot read {formula}")
        value = self._value(tree)
        if isinstance(value, Area):
            value = self._single(value)
        if value is None:
            return 0.0  # =A1 of an empty cell shows 0
        if _is_number(value):
            number = float(value)  # type: ignore[arg-type]
            return number if math.isfinite(number) else Error("#NUM!")
        if isinstance(value, (str, bool, Error)):
            return value
        raise Unsupported(f"a result of type {type(value).__name__}")

    # --- reading cells

    def _cell(self, sheet: str, row: int, col: int) -> object:
        if (sheet, row, col) in self.pending:
            return self.result(sheet, row, col)
        return _from_cell(self.cells.column(sheet, row, row, col)[0])

    def _area_values(self, area: Area) -> list[list[object]]:
        """The area's values, a list per column."""
        out = []
        for col in range(area.c1, area.c2 + 1):
            values = [_from_cell(v) for v in self.cells.column(area.sheet, area.r1, area.r2, col)]
            if self.pending:
                values = [self.result(area.sheet, r, col) if (area.sheet, r, col) in self.pending else v
                          for r, v in zip(range(area.r1, area.r2 + 1), values, strict=True)]
            out.append(values)
        return out

    def _single(self, area: Area) -> object:
        if area.rows == 1 and area.cols == 1:
            return self._cell(area.sheet, area.r1, area.c1)
        raise Unsupported("a range where one value is expected (implicit intersection)")

    def _flat(self, area: Area) -> Iterator[object]:
        for column in self._area_values(area):
            yield from column

    def _columns_of(self, area: Area) -> _Columns:
        known = self._columns.get(area)
        if known is None:
            values = [v for column in self._area_values(area) for v in column]
            numbers = np.array([_number(v) if _is_number(v) else math.nan for v in values], dtype=float)
            texts = np.array([v.lower() if isinstance(v, str) else None for v in values], dtype=object)
            blank = np.array([v is None or v == "" for v in values], dtype=bool)
            errors = np.array([v if isinstance(v, Error) else None for v in values], dtype=object)
            known = self._columns[area] = _Columns(numbers, texts, blank, errors)
        return known

    # --- evaluating the parsed formula

    def _value(self, node: _Node) -> object:
        kind = node[0]
        if kind == "value":
            return node[1]
        if kind == "ref":
            return self._reference(node[1], node[2])
        if kind == "neg":
            v = self._scalar(node[1])
            n = _number(v)
            return n if isinstance(n, Error) else -n
        if kind == "percent":
            n = _number(self._scalar(node[1]))
            return n if isinstance(n, Error) else n / 100
        if kind == "op":
            return self._operator(node[1], self._scalar(node[2]), self._scalar(node[3]))
        if kind == "call":
            return self._call(node[1], node[2])
        raise Unsupported(f"cannot evaluate {kind}")

    def _scalar(self, node: _Node) -> object:
        value = self._value(node)
        return self._single(value) if isinstance(value, Area) else value

    def _operator(self, op: str, left: object, right: object) -> object:
        for v in (left, right):
            if isinstance(v, Error):
                return v
        if op == "&":
            first, second = _text(left), _text(right)
            if isinstance(first, Error):
                return first
            return second if isinstance(second, Error) else first + second
        if op in ("=", "<>", "<", ">", "<=", ">="):
            order = _compare(left, right)
            return {"=": order == 0, "<>": order != 0, "<": order < 0, ">": order > 0, "<=": order <= 0,
                    ">=": order >= 0}[op]
        a, b = _number(left), _number(right)
        if isinstance(a, Error):
            return a
        if isinstance(b, Error):
            return b
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return DIV0 if b == 0 else a / b
        if op == "^":
            try:
                return float(a**b)
            except (OverflowError, ZeroDivisionError):
                return Error("#NUM!")
        raise Unsupported(f"the operator {op}")

    def _reference(self, text: str, sheet: str) -> Area:
        match = _A1.match(text)
        if match:
            quoted, plain, c1, r1, c2, r2 = match.groups()
            on = quoted.replace("''", "'") if quoted else plain or sheet
            on = self._sheet_names.get(on.lower(), on)
            first = (int(r1), _column_number(c1))
            last = (int(r2), _column_number(c2)) if c2 else first
            return Area(on, min(first[0], last[0]), min(first[1], last[1]), max(first[0], last[0]),
                        max(first[1], last[1]))
        structured = _STRUCTURED.match(text)
        if structured:
            return self._structured(structured.group(1), structured.group(2))
        table = self.cells.table(text)
        if table is not None:
            return self._structured(text, "")
        named = self.cells.defined_name(text)
        if named is not None and named != text:
            return self._reference(named.lstrip("="), sheet)
        raise Unsupported(f"the reference {text}")

    def _structured(self, name: str, inside: str) -> Area:
        table = self.cells.table(name)
        if table is None:
            raise Unsupported(f"no table {name}")
        parts = re.findall(r"\[([^\[\]]*)\]", inside) if "[" in inside else ([inside] if inside else [])
        rows = "#data"
        columns: list[str] = []
        for part in parts:
            if part.startswith("#"):
                rows = part.lower()
            else:
                columns.append(part.replace("'", ""))
        if ":" in inside and len(columns) == 2:
            pass  # [A]:[B], the two ends
        elif len(columns) > 1:
            raise Unsupported(f"the reference {name}[{inside}]")
        lower = [h.lower() for h in table.headers]
        try:
            cols = [table.c1 + lower.index(c.lower()) for c in columns] or [table.c1, table.c2]
        except ValueError:
            return_ref = Unsupported(f"no column {columns} in {name}")
            raise return_ref from None
        first_data, last_data = table.r1 + 1, table.r2 - table.totals
        r1, r2 = {"#data": (first_data, last_data), "#all": (table.r1, table.r2), "#headers": (table.r1, table.r1),
                  "#totals": (table.r2, table.r2)}.get(rows, (0, 0))
        if not r1 or (rows == "#totals" and not table.totals):
            raise Unsupported(f"the reference {name}[{inside}]")
        return Area(table.sheet, r1, min(cols), max(r2, r1), max(cols))

    # --- functions

    def _call(self, name: str, args: list[_Node]) -> object:
        function = _FUNCTIONS.get(name.upper().removeprefix("_XLFN."))
        if function is None:
            raise Unsupported(f"the function {name}")
        return function(self, args)

    def _numbers_in(self, args: Sequence[_Node]) -> list[float] | Error:
        """Numbers of the arguments as SUM, MAX and COUNT take them: in ranges only numbers; typed arguments coerced."""
        out: list[float] = []
        for arg in args:
            value = self._value(arg)
            if isinstance(value, Area):
                for v in self._flat(value):
                    if isinstance(v, Error):
                        return v
                    if _is_number(v):
                        out.append(float(v))  # type: ignore[arg-type]
                continue
            n = _number(value)
            if isinstance(n, Error):
                return n
            out.append(n)
        return out

    def _mask(self, area: Area, criterion: object) -> np.ndarray:
        """Which cells of the area meet an Excel criterion (5, "Total", ">=3", "<>", "A*")."""
        columns = self._columns_of(area)
        op, operand = _criterion(criterion)
        if isinstance(operand, float):
            with np.errstate(invalid="ignore"):
                hit = {"=": columns.numbers == operand, "<>": ~(columns.numbers == operand),
                       "<": columns.numbers < operand, ">": columns.numbers > operand,
                       "<=": columns.numbers <= operand, ">=": columns.numbers >= operand}[op]
            return np.asarray(hit, dtype=bool)
        text = str(operand).lower()
        if text.upper() in ERROR_CODES:
            raise Unsupported("an error value as a criterion")
        if op in ("=", "<>"):
            if text == "":
                hit = columns.blank.copy()
            elif re.search(r"(?<!~)[*?]", text):
                pattern = _wildcard(text)
                hit = np.array([t is not None and pattern.match(t) is not None for t in columns.texts], dtype=bool)
            else:
                hit = columns.texts == text.replace("~*", "*").replace("~?", "?").replace("~~", "~")
            hit = np.asarray(hit, dtype=bool)
            return hit if op == "=" else ~hit
        is_text = np.array([t is not None for t in columns.texts], dtype=bool)
        keys = np.array([t if t is not None else "" for t in columns.texts], dtype=object)
        hit = {"<": keys < text, ">": keys > text, "<=": keys <= text, ">=": keys >= text}[op]
        out: np.ndarray = np.asarray(hit, dtype=bool) & is_text
        return out


_Node: TypeAlias = tuple[Any, ...]
"""A parsed formula: ("value", v), ("ref", text, sheet), ("neg", n), ("percent", n), ("op", op, a, b),
("call", name, args)."""


def _wildcard(text: str) -> re.Pattern[str]:
    """A criterion with * (any characters) and ? (one), ~ before either taking it as it is."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "~" and i + 1 < len(text) and text[i + 1] in "*?~":
            out.append(re.escape(text[i + 1]))
            i += 2
            continue
        out.append(".*" if text[i] == "*" else "." if text[i] == "?" else re.escape(text[i]))
        i += 1
    return re.compile("".join(out) + r"\Z", re.S)


def _criterion(criterion: object) -> tuple[str, float | str]:
    """(operator, operand) of a criterion: a number or a blank cell means "= that number" (a blank one 0)."""
    if isinstance(criterion, Error):
        raise Unsupported("an error as a criterion")
    if criterion is None:
        return "=", 0.0
    if isinstance(criterion, bool):
        raise Unsupported("a logical criterion")
    if _is_number(criterion):
        return "=", float(criterion)  # type: ignore[arg-type]
    text = str(criterion)
    op = next((o for o in ("<=", ">=", "<>", "=", "<", ">") if text.startswith(o)), "")
    rest = text[len(op):]
    try:
        return op or "=", float(rest) if rest.strip() else rest
    except ValueError:
        return op or "=", rest


# --- the parser: Excel's operator precedence over openpyxl's tokens ----------------------------------------------

_INFIX = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}


class _Parser:
    def __init__(self, tokens: list, sheet: str):  # type: ignore[type-arg]
        self.tokens, self.sheet, self.at = tokens, sheet, 0

    def _peek(self) -> object:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def expression(self, weakest: int = 0) -> _Node:
        left = self._prefixed()
        while True:
            token = self._peek()
            if token is None or token.type != "OPERATOR-INFIX":  # type: ignore[attr-defined]
                return left
            op = token.value  # type: ignore[attr-defined]
            if op not in _INFIX:
                raise Unsupported(f"the operator {op}")
            strength = _INFIX[op]
            if strength <= weakest and not (op == "^" and strength == weakest):
                return left
            self.at += 1
            left = ("op", op, left, self.expression(strength))

    def _prefixed(self) -> _Node:
        token = self._peek()
        if token is not None and token.type == "OPERATOR-PREFIX":  # type: ignore[attr-defined]
            self.at += 1
            inner = self._prefixed()
            return ("neg", inner) if token.value == "-" else inner  # type: ignore[attr-defined]
        node = self._primary()
        token = self._peek()
        while token is not None and token.type == "OPERATOR-POSTFIX":  # type: ignore[attr-defined]
            self.at += 1
            node = ("percent", node)
            token = self._peek()
        return node

    def _primary(self) -> _Node:
        token = self._peek()
        if token is None:
            raise Unsupported("a formula that ends early")
        self.at += 1
        kind, sub, value = token.type, token.subtype, token.value  # type: ignore[attr-defined]
        if kind == "OPERAND":
            if sub == "NUMBER":
                return ("value", float(value))
            if sub == "TEXT":
                return ("value", value[1:-1].replace('""', '"'))
            if sub == "LOGICAL":
                return ("value", value.upper() == "TRUE")
            if sub == "ERROR":
                return ("value", Error(value.upper()))
            return ("ref", value, self.sheet)
        if kind == "PAREN" and sub == "OPEN":
            inner = self.expression()
            self._expect("PAREN", "CLOSE")
            return inner
        if kind == "FUNC" and sub == "OPEN":
            args: list[_Node] = []
            closing = self._peek()
            if closing is not None and closing.type == "FUNC" and closing.subtype == "CLOSE":  # type: ignore[attr-defined]
                self.at += 1
                return ("call", value[:-1], args)
            while True:
                nxt = self._peek()
                if nxt is not None and nxt.type == "SEP":  # type: ignore[attr-defined]
                    args.append(("value", None))  # an argument left out
                else:
                    args.append(self.expression())
                sep = self._peek()
                if sep is None:
                    raise Unsupported("an unclosed function")
                self.at += 1
                if sep.type == "SEP" and sep.subtype == "ARG":  # type: ignore[attr-defined]
                    continue
                if sep.type == "FUNC" and sep.subtype == "CLOSE":  # type: ignore[attr-defined]
                    return ("call", value[:-1], args)
                raise Unsupported(f"cannot read {sep.value}")  # type: ignore[attr-defined]
        raise Unsupported(f"cannot read {value}")

    def _expect(self, kind: str, sub: str) -> None:
        token = self._peek()
        if token is None or token.type != kind or token.subtype != sub:  # type: ignore[attr-defined]
            raise Unsupported("unbalanced brackets")
        self.at += 1


# --- the functions the workbook's formulas use --------------------------------------------------------------------

Function = Callable[[Calculator, list[_Node]], object]


def _sum(calc: Calculator, args: list[_Node]) -> object:
    numbers = calc._numbers_in(args)
    return numbers if isinstance(numbers, Error) else float(sum(numbers))


def _extreme(pick: Callable[[list[float]], float]) -> Function:
    def function(calc: Calculator, args: list[_Node]) -> object:
        numbers = calc._numbers_in(args)
        return numbers if isinstance(numbers, Error) else (pick(numbers) if numbers else 0.0)
    return function


def _count(calc: Calculator, args: list[_Node]) -> object:
    count = 0
    for arg in args:
        value = calc._value(arg)
        values = calc._flat(value) if isinstance(value, Area) else [value]
        count += sum(_is_number(v) for v in values)
    return float(count)


def _average(calc: Calculator, args: list[_Node]) -> object:
    numbers = calc._numbers_in(args)
    if isinstance(numbers, Error):
        return numbers
    return float(sum(numbers)) / len(numbers) if numbers else DIV0


def _sumifs(calc: Calculator, args: list[_Node]) -> object:
    if len(args) < 3 or len(args) % 2 == 0:
        raise Unsupported("SUMIFS with a wrong number of arguments")
    total = calc._value(args[0])
    if not isinstance(total, Area):
        raise Unsupported("SUMIFS over a value")
    hit = np.ones(total.rows * total.cols, dtype=bool)
    for k in range(1, len(args), 2):
        area = calc._value(args[k])
        if not isinstance(area, Area):
            raise Unsupported("SUMIFS criteria over a value")
        if (area.rows, area.cols) != (total.rows, total.cols):
            return VALUE
        hit &= calc._mask(area, calc._scalar(args[k + 1]))
    summed = calc._columns_of(total)
    errors = summed.errors[hit]
    first_error = next((e for e in errors if e is not None), None)  # an error in a row that meets the criteria
    return first_error if first_error is not None else float(np.nansum(summed.numbers[hit]))


def _offset(calc: Calculator, args: list[_Node]) -> object:
    base = calc._value(args[0])
    if not isinstance(base, Area) or len(args) < 3:
        raise Unsupported("OFFSET of a value")
    shifts = [_number(calc._scalar(a)) for a in args[1:3]]
    sizes = [_number(calc._scalar(a)) if a[0] != "value" or a[1] is not None else None for a in args[3:5]]
    for n in (*shifts, *sizes):
        if isinstance(n, Error):
            return n
    rows, cols = (int(n) for n in shifts)  # type: ignore[arg-type]
    height = int(sizes[0]) if sizes and sizes[0] is not None else base.rows  # type: ignore[arg-type]
    width = int(sizes[1]) if len(sizes) > 1 and sizes[1] is not None else base.cols  # type: ignore[arg-type]
    r1, c1 = base.r1 + rows, base.c1 + cols
    if r1 < 1 or c1 < 1 or height < 1 or width < 1:
        return REF
    return Area(base.sheet, r1, c1, r1 + height - 1, c1 + width - 1)


def _index(calc: Calculator, args: list[_Node]) -> object:
    area = calc._value(args[0])
    if not isinstance(area, Area):
        raise Unsupported("INDEX of a value")
    picks = []
    for a in args[1:3]:
        n = _number(calc._scalar(a))
        if isinstance(n, Error):
            return n
        picks.append(int(n))
    row, col = (picks + [0, 0])[:2]
    if len(picks) == 1 and area.rows == 1:
        row, col = 1, picks[0]
    elif len(picks) == 1:
        col = 1 if area.cols == 1 else 0
    if row < 0 or col < 0 or row > area.rows or col > area.cols:
        return REF
    if row == 0 or col == 0:
        raise Unsupported("INDEX of a whole row or column")
    return calc._cell(area.sheet, area.r1 + row - 1, area.c1 + col - 1)


def _match(calc: Calculator, args: list[_Node]) -> object:
    wanted = calc._scalar(args[0])
    area = calc._value(args[1])
    kind = _number(calc._scalar(args[2])) if len(args) > 2 else 1.0
    if not isinstance(area, Area) or kind != 0:
        raise Unsupported("MATCH other than an exact match in a range")
    if isinstance(wanted, Error):
        return wanted
    hit = calc._mask(area, wanted if not isinstance(wanted, str) else "=" + wanted)
    found = np.flatnonzero(hit)
    return float(found[0] + 1) if len(found) else NA


def _iferror(calc: Calculator, args: list[_Node]) -> object:
    value = calc._scalar(args[0])
    return calc._scalar(args[1]) if isinstance(value, Error) else value


def _if(calc: Calculator, args: list[_Node]) -> object:
    test = _truth(calc._scalar(args[0]))
    if isinstance(test, Error):
        return test
    if test:
        return calc._scalar(args[1]) if len(args) > 1 else True
    return calc._scalar(args[2]) if len(args) > 2 else False


def _n(calc: Calculator, args: list[_Node]) -> object:
    value = calc._value(args[0])
    if isinstance(value, Area):
        value = calc._cell(value.sheet, value.r1, value.c1)
    if isinstance(value, Error):
        return value
    if isinstance(value, bool):
        return float(value)
    return float(value) if _is_number(value) else 0.0  # type: ignore[arg-type]


def _logical(all_of: bool) -> Function:
    def function(calc: Calculator, args: list[_Node]) -> object:
        tests = []
        for arg in args:
            value = calc._value(arg)
            for v in (calc._flat(value) if isinstance(value, Area) else [value]):
                if v is None or (isinstance(v, str) and isinstance(value, Area)):
                    continue
                t = _truth(v)
                if isinstance(t, Error):
                    return t
                tests.append(t)
        if not tests:
            return VALUE
        return all(tests) if all_of else any(tests)
    return function


def _not(calc: Calculator, args: list[_Node]) -> object:
    t = _truth(calc._scalar(args[0]))
    return t if isinstance(t, Error) else not t


def _round(calc: Calculator, args: list[_Node]) -> object:
    n, digits = (_number(calc._scalar(a)) for a in (args[0], args[1]))
    if isinstance(n, Error):
        return n
    if isinstance(digits, Error):
        return digits
    return _half_up(n, int(digits))


def _half_up(number: float, digits: int) -> float:
    """Rounded half away from zero, as Excel rounds (from the shortest decimal that reads back as the number)."""
    return float(Decimal(repr(number)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _abs(calc: Calculator, args: list[_Node]) -> object:
    n = _number(calc._scalar(args[0]))
    return n if isinstance(n, Error) else abs(n)


def _isnumber(calc: Calculator, args: list[_Node]) -> object:
    return _is_number(calc._scalar(args[0]))


def _isblank(calc: Calculator, args: list[_Node]) -> object:
    return calc._scalar(args[0]) is None


def _text_function(calc: Calculator, args: list[_Node]) -> object:
    value, form = calc._scalar(args[0]), calc._scalar(args[1])
    if isinstance(value, Error):
        return value
    if isinstance(form, Error):
        return form
    return format_number(value, _text(form))  # type: ignore[arg-type]


_FUNCTIONS: dict[str, Function] = {
    "SUM": _sum, "MAX": _extreme(max), "MIN": _extreme(min), "COUNT": _count, "AVERAGE": _average, "SUMIFS": _sumifs,
    "OFFSET": _offset, "INDEX": _index, "MATCH": _match, "IFERROR": _iferror, "IF": _if, "N": _n,
    "AND": _logical(True), "OR": _logical(False), "NOT": _not, "ROUND": _round, "ABS": _abs, "ISNUMBER": _isnumber,
    "ISBLANK": _isblank, "TEXT": _text_function,
}
"""What this module calculates; any other function leaves the formula to Excel (Unsupported)."""


# --- TEXT's number formats ----------------------------------------------------------------------------------------

_DATE_CODES = re.compile(r"yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d", re.I)


def format_number(value: object, form: str) -> str | Error:
    """``value`` shown in the number format ``form`` as TEXT shows it: sections (positive;negative;zero), 0 and #
    digits, thousands commas, %, literal text; dates (yyyy, mmm, dd ...). Other formats raise Unsupported."""
    if isinstance(value, str):
        number = _number(value)
        if isinstance(number, Error):
            return value  # TEXT of text that is no number returns it as it is
    else:
        number = _number(value)
    if isinstance(number, Error):
        return number
    sections = _sections(form)
    if _DATE_CODES.search(re.sub(r'"[^"]*"', "", sections[0])) and not re.search(r"[0#]", sections[0]):
        return _date_text(number, sections[0])
    if number < 0 and len(sections) > 1:
        return _number_text(-number, sections[1])
    if number == 0 and len(sections) > 2:
        return _number_text(0.0, sections[2])
    return _number_text(number, sections[0])


def _sections(form: str) -> list[str]:
    out, current, quoted = [], "", False
    for ch in form:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append(current)
            current = ""
        else:
            current += ch
    return [*out, current]


def _number_text(number: float, section: str) -> str:
    pieces = re.findall(r'"[^"]*"|\\.|[0#,.]+|%|[^"\\0#,.%]+', section)
    digits = [i for i, p in enumerate(pieces) if re.fullmatch(r"[0#,.]+", p)]
    if len(digits) != 1 or "[" in section or "E" in section.upper() and "E" not in section:
        raise Unsupported(f"the number format {section}")
    code = pieces[digits[0]]
    if "%" in pieces:
        number *= 100
    whole, _, decimals = code.partition(".")
    places = len(decimals.replace(",", ""))
    rounded = _half_up(abs(number), places)
    text = f"{rounded:,.{places}f}" if "," in whole else f"{rounded:.{places}f}"
    if whole.strip(",").replace("#", "") == "" and text.startswith("0") and places and rounded < 1:
        text = text[1:]  # "#.0" shows .5, not 0.5
    sign = "-" if number < 0 and _half_up(number, places) != 0 else ""
    out = []
    for i, piece in enumerate(pieces):
        if i == digits[0]:
            out.append(sign + text)
        elif piece.startswith('"'):
            out.append(piece[1:-1])
        elif piece.startswith("\\"):
            out.append(piece[1:])
        else:
            out.append(piece)
    return "".join(out)


def _date_text(serial: float, section: str) -> str:
    if serial < 0:
        return "#" * 10
    day = _EXCEL_EPOCH + dt.timedelta(days=serial)
    if serial < 61:
        day += dt.timedelta(days=1)  # Excel's 1900 counts a 29 February that never was
    names = {"yyyy": f"{day:%Y}", "yy": f"{day:%y}", "mmmm": f"{day:%B}", "mmm": f"{day:%b}", "mm": f"{day:%m}",
             "m": str(day.month), "dddd": f"{day:%A}", "ddd": f"{day:%a}", "dd": f"{day:%d}", "d": str(day.day)}
    out = []
    for piece in re.findall(r'"[^"]*"|\\.|yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|[^"\\ymd]+', section, re.I):
        if piece.startswith('"'):
            out.append(piece[1:-1])
        elif piece.startswith("\\"):
            out.append(piece[1:])
        elif piece.lower() in names:
            out.append(names[piece.lower()])
        elif re.search(r"[hs]", piece, re.I):
            raise Unsupported(f"the date format {section}")
        else:
            out.append(piece)
    return "".join(out)
