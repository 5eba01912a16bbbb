"""A command's result as JSON-safe data and back, exactly: what the answer cache stores.

    document = dump_result(result)          # plain dicts, lists, str, int, float, bool, None
    json.dumps(document)                    # fits any JSON column
    load_result(document) == result         # the same dataclasses, field for field

A cached answer must be shown again in either language and exactly as a fresh one would be, by the
current renderers.  So the document keeps calc's result itself, never rendered text: every
:class:`~calc.i18n.Message` stays a key and its arguments (rendered in the reader's language when the
answer is shown), every number stays an ``int``, every formula stays a formula.  Nothing is pickled:
the reader builds only the classes listed here, from the field names they declare.

The format (``"schema": "layerbot.result/1"``):

* ``None``, ``bool``, ``int``, ``str`` and a float such as ``0.25`` as themselves; any other float
  (``inf``, ``nan``, ``-0.0``, ``1e+300``: JSON lacks the first two, PostgreSQL's JSONB would return
  the others changed) as its ``repr``, ``{"$float": "1e+300"}``; a string holding NUL or a lone surrogate (which PostgreSQL's JSON refuses)
  as its JSON text, ``{"$str": "..."}``.
* A tuple as a JSON array (shapes, rows, values); a list as ``{"$list": [...]}`` (a layer with several
  outputs: ``[out, [h_n, c_n]]`` keeps its lists and tuples apart).
* A mapping with string keys as a JSON object (no key of it starts with ``$``); any other as
  ``{"$map": [[key, value], ...]}``.  ``frozenset`` / ``set`` / ``Fraction`` / ``Decimal`` tagged likewise.
* An enum as ``{"$enum": ["Framework", "keras"]}``; a command's description (/help) by its name,
  ``{"$command": "dense"}``.
* A dataclass as ``{"$": "LayerReport", "name": ..., ...}``: its fields by name, a field left out when
  it holds its default.  One object met more than once (the derivation shares a
  :class:`~calc.catalog.base.LayerCalc` between identical rows: 263 objects for DenseNet121's 429
  rows) is written once, in the document's ``shared`` list, and ``{"$ref": index}`` everywhere it
  appears; it is read back as one object again.
* A :class:`~calc.formula.Term` as ``{"$term": [formula index, [values]]}``; the document's
  ``formulas`` lists each formula once, as its template's tree (``["+", ["*", ["s", "n_in"], ["s",
  "units"]], ["s", "units"]]``), rebuilt with sympy's constructors (never by parsing text).

The document also carries :data:`calc.version.VERSION`: :func:`load_result` refuses one written by
other calculations (raising :class:`SerializeError`, as for anything it does not recognise), so a
reader treats it as a cache miss and calculates afresh.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from functools import lru_cache
from typing import Any

from sympy import Add, Basic, Integer, Mul, Pow, Symbol

from calc.advise import ClassicHead, Oversized, PasteAdvice, Rule, RuleValue, Suggestion, WidthOption
from calc.advise import Label as _Label
from calc.catalog.base import LayerCalc, Weight
from calc.commands import ArgType, CommandResult, CommandSpec, find
from calc.commands_advice import AdviceResult
from calc.cost import ActivationMemory, Cost, Optimizer, TrainingMemory
from calc.diagnose import Diagnosis, PlannedLayer
from calc.findings import Finding, Severity
from calc.formula import Formula, Term, TermSum, lit, sym
from calc.i18n import Message
from calc.model import Format, Inbound, SymbolRef
from calc.report import LayerReport, Report, Status
from calc.types import Framework
from calc.version import VERSION
from calc.whatif import Change, LayerChange, WhatIf

__all__ = ["SCHEMA", "SerializeError", "dump_result", "load_result"]

SCHEMA = "layerbot.result/1"


class SerializeError(ValueError):
    """A value this format cannot hold, or a document it cannot read (another schema or calc version,
    an unknown class or field, a malformed formula)."""


_DATACLASSES: tuple[type[Any], ...] = (
    CommandResult, AdviceResult, Report, LayerReport, LayerCalc, Weight, Finding, Message, TermSum, Cost,
    TrainingMemory, ActivationMemory, SymbolRef, Inbound, Suggestion, WidthOption, Rule, RuleValue, ClassicHead,
    Oversized, PasteAdvice, Diagnosis, PlannedLayer, WhatIf, Change, LayerChange,
)  # fmt: skip
_ENUMS: tuple[type[Enum], ...] = (Framework, Format, Status, Severity, Optimizer, _Label, ArgType)

_CLASS_BY_NAME: dict[str, type[Any]] = {cls.__name__: cls for cls in _DATACLASSES}
_ENUM_BY_NAME: dict[str, type[Enum]] = {cls.__name__: cls for cls in _ENUMS}
if len(_CLASS_BY_NAME) != len(_DATACLASSES) or len(_ENUM_BY_NAME) != len(_ENUMS):
    raise RuntimeError("calc.serialize: two registered classes share a name")

_MISSING = dataclasses.MISSING

_PLAIN_FLOAT = re.compile(r"-?\d+\.\d+")
"""A float written as a JSON number: one that every JSON column gives back as the same float.  Others
(``1e+300``, which PostgreSQL's JSONB returns as a 301-digit integer; ``-0.0``, whose sign a numeric
loses; ``inf`` and ``nan``, which JSON lacks) are written as their ``repr``: ``{"$float": "1e+300"}``."""
_TAGGED_FLOAT = re.compile(r"-?(?:inf|nan|\d+(?:\.\d+)?(?:e[+-]?\d+)?)")

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""Characters a database's JSON cannot hold (PostgreSQL refuses NUL; lone surrogates are not UTF-8):
a string holding one is written as its JSON text, ``{"$str": "\"a\\u0000b\""}``, all ASCII."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    name: str
    default: Any  # _MISSING when the field has no default
    factory: Any  # _MISSING when the field has no default factory


def _fields(cls: type[Any]) -> tuple[_Field, ...]:
    return tuple(
        _Field(f.name, f.default, f.default_factory) for f in dataclasses.fields(cls) if f.init
    )


_FIELDS: dict[type[Any], tuple[_Field, ...]] = {cls: _fields(cls) for cls in _DATACLASSES}
_FIELD_NAMES: dict[type[Any], frozenset[str]] = {cls: frozenset(f.name for f in fs) for cls, fs in _FIELDS.items()}


def _is_default(value: Any, f: _Field) -> bool:
    """Whether ``value`` is the field's default (same type too: ``0`` is not ``False``)."""
    if f.default is not _MISSING:
        default = f.default
    elif f.factory is not _MISSING:
        default = f.factory()
    else:
        return False
    return type(value) is type(default) and bool(value == default)


# --------------------------------------------------------------------------------------------
# Formulas as trees.

_TREES: dict[Formula, Any] = {}  # a Formula is long-lived (Formula.of caches it): its tree, once
_MAX_TREES = 4096


def _tree(expr: Basic) -> Any:
    if isinstance(expr, Symbol):
        return ["s", expr.name]
    if isinstance(expr, Integer):
        return ["i", int(expr)]
    if isinstance(expr, Add):
        return ["+", *(_tree(a) for a in expr.args)]
    if isinstance(expr, Mul):
        return ["*", *(_tree(a) for a in expr.args)]
    if isinstance(expr, Pow):
        return ["^", *(_tree(a) for a in expr.args)]
    raise SerializeError(f"a formula holds a {type(expr).__name__}, which this format cannot hold")


def _formula_tree(formula: Formula) -> Any:
    tree = _TREES.get(formula)
    if tree is None:
        tree = _tree(formula.expr)
        if len(_TREES) >= _MAX_TREES:
            _TREES.clear()
        _TREES[formula] = tree
    return tree


def _expr(tree: Any) -> Any:
    if not isinstance(tree, list) or not tree:
        raise SerializeError("a formula node is not a non-empty list")
    op, *args = tree
    if op == "s" and len(args) == 1 and isinstance(args[0], str):
        return sym(args[0])
    if op == "i" and len(args) == 1 and type(args[0]) is int:
        return lit(args[0])
    if op == "+" and len(args) >= 2:
        return Add(*(_expr(a) for a in args), evaluate=False)
    if op == "*" and len(args) >= 2:
        return Mul(*(_expr(a) for a in args), evaluate=False)
    if op == "^" and len(args) == 2:
        return Pow(_expr(args[0]), _expr(args[1]), evaluate=False)
    raise SerializeError(f"not a formula node: {str(tree)[:80]}")


@lru_cache(maxsize=1024)
def _formula(key: str) -> Formula:
    """The formula of a tree (given as its JSON text, the cache key): the very object the catalog
    uses when the template is the same (:meth:`Formula.of` caches by template)."""
    try:
        return Formula.of(_expr(json.loads(key)))
    except (TypeError, ValueError, KeyError) as exc:
        if isinstance(exc, SerializeError):
            raise
        raise SerializeError(f"a formula cannot be rebuilt: {exc}") from exc


# --------------------------------------------------------------------------------------------
# Writing.


class _Writer:
    def __init__(self) -> None:
        self.formulas: list[Any] = []
        self._index: dict[Formula, int] = {}
        self.shared: list[Any] = []
        self._seen: dict[int, dict[str, Any]] = {}  # id of a dataclass instance → what it was written as

    def formula(self, formula: Formula) -> int:
        index = self._index.get(formula)
        if index is None:
            index = self._index[formula] = len(self.formulas)
            self.formulas.append(_formula_tree(formula))
        return index

    def _share(self, written: dict[str, Any]) -> dict[str, Any]:
        """A second sight of one object: its body moves to ``shared`` and every sight becomes a
        reference (the first one too: its dict is turned into the reference in place)."""
        if "$ref" not in written:
            body = dict(written)
            written.clear()
            written["$ref"] = len(self.shared)
            self.shared.append(body)
        return {"$ref": written["$ref"]}

    def value(self, v: Any) -> Any:
        t = type(v)
        if t is str:
            return v if _UNSTORABLE.search(v) is None else {"$str": json.dumps(v)}
        if v is None or t is int or t is bool:
            return v
        if t is tuple:
            return [self.value(x) for x in v]
        if t is Term:
            return {"$term": [self.formula(v.formula), list(v.values)]}
        cls_fields = _FIELDS.get(t)
        if cls_fields is not None:
            seen = self._seen.get(id(v))
            if seen is not None:
                return self._share(seen)
            out: dict[str, Any] = {"$": t.__name__}
            for f in cls_fields:
                x = getattr(v, f.name)
                if not _is_default(x, f):
                    out[f.name] = self.value(x)
            self._seen[id(v)] = out
            return out
        if t is float:
            text = repr(v)
            return v if text != "-0.0" and _PLAIN_FLOAT.fullmatch(text) else {"$float": text}
        if t is list:
            return {"$list": [self.value(x) for x in v]}
        if isinstance(v, Mapping):
            if all(type(k) is str and k[:1] != "$" and _UNSTORABLE.search(k) is None for k in v):
                return {k: self.value(x) for k, x in v.items()}
            return {"$map": [[self.value(k), self.value(x)] for k, x in v.items()]}
        if isinstance(v, Enum):
            if _ENUM_BY_NAME.get(t.__name__) is not t:
                raise SerializeError(f"the enum {t.__qualname__} is not registered in calc.serialize")
            return {"$enum": [t.__name__, v.value]}
        if t is frozenset or t is set:
            items = sorted((self.value(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
            return {"$frozenset" if t is frozenset else "$set": items}
        if t is Fraction:
            return {"$fraction": [v.numerator, v.denominator]}
        if t is Decimal:
            return {"$decimal": str(v)}
        if t is CommandSpec:
            return {"$command": v.name}
        raise SerializeError(f"a result holds a {t.__qualname__}, which this format cannot hold")


def dump_result(result: CommandResult) -> dict[str, Any]:
    """``result`` as JSON-safe data (see the module docstring); raises :class:`SerializeError` when it
    holds something the format does not know (a new class: register it here)."""
    writer = _Writer()
    body = writer.value(result)
    return {
        "schema": SCHEMA,
        "calc_version": VERSION,
        "formulas": writer.formulas,
        "shared": writer.shared,
        "result": body,
    }


# --------------------------------------------------------------------------------------------
# Reading.


_NESTED = frozenset({list, dict})  # what needs reading; any other JSON value is itself
_UNREAD = object()
_READING = object()


class _Reader:
    def __init__(self, formulas: Any, shared: Any) -> None:
        if not isinstance(formulas, list) or not isinstance(shared, list):
            raise SerializeError("formulas or shared is not a list")
        self.formulas = [_formula(json.dumps(tree, separators=(",", ":"))) for tree in formulas]
        self.shared = shared
        self.objects: list[Any] = [_UNREAD] * len(shared)

    def value(self, v: Any) -> Any:
        t = type(v)
        if v is None or t is str or t is int or t is bool or t is float:
            return v
        if t is list:
            value = self.value
            return tuple([value(x) if type(x) in _NESTED else x for x in v])
        if t is not dict:
            raise SerializeError(f"not a JSON value: {t.__name__}")
        name = v.get("$")
        if name is not None:
            return self.dataclass(name, v)
        if len(v) == 1:
            ((tag, body),) = v.items()
            if tag[:1] == "$":
                return self.tagged(tag, body)
        # The writer never writes a plain key starting with "$", so this is a mapping.
        value = self.value
        return {k: value(x) if type(x) in _NESTED else x for k, x in v.items()}

    def dataclass(self, name: Any, v: dict[str, Any]) -> Any:
        cls = _CLASS_BY_NAME.get(name) if isinstance(name, str) else None
        if cls is None:
            raise SerializeError(f"not a class this format knows: {str(name)[:40]}")
        value = self.value
        kwargs = {key: value(x) if type(x) in _NESTED else x for key, x in v.items() if key != "$"}
        if not _FIELD_NAMES[cls].issuperset(kwargs):
            unknown = sorted(set(kwargs) - _FIELD_NAMES[cls])
            raise SerializeError(f"{name} has no field {unknown[0][:40]}")
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as exc:
            raise SerializeError(f"{name} cannot be built: {exc}") from exc

    def ref(self, index: Any) -> Any:
        if type(index) is not int or not 0 <= index < len(self.objects):
            raise SerializeError("a reference to no shared object")
        obj = self.objects[index]
        if obj is _READING:
            raise SerializeError("a shared object refers to itself")
        if obj is _UNREAD:
            self.objects[index] = _READING
            body = self.shared[index]
            if type(body) is not dict or "$" not in body:
                raise SerializeError("a shared object is not a dataclass")
            obj = self.objects[index] = self.dataclass(body["$"], body)
        return obj

    def tagged(self, tag: str, body: Any) -> Any:
        if tag == "$ref":
            return self.ref(body)
        if tag == "$term":
            if not (isinstance(body, list) and len(body) == 2 and type(body[0]) is int and isinstance(body[1], list)):
                raise SerializeError("a malformed term")
            index, values = body
            if not 0 <= index < len(self.formulas) or not all(type(x) is int for x in values):
                raise SerializeError("a term refers to no formula, or holds a value that is not an int")
            formula = self.formulas[index]
            if len(values) != len(formula.names):
                raise SerializeError("a term's values do not match its formula")
            return Term(formula, tuple(values))
        if tag == "$list":
            return [self.value(x) for x in self._list(body)]
        if tag == "$map":
            pairs = self._list(body)
            if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
                raise SerializeError("a malformed mapping")
            return {self.value(k): self.value(x) for k, x in pairs}
        if tag == "$enum":
            if not (isinstance(body, list) and len(body) == 2 and isinstance(body[0], str)):
                raise SerializeError("a malformed enum")
            enum = _ENUM_BY_NAME.get(body[0])
            if enum is None:
                raise SerializeError(f"not an enum this format knows: {body[0][:40]}")
            return enum(body[1])
        if tag in ("$frozenset", "$set"):
            items = [self.value(x) for x in self._list(body)]
            return frozenset(items) if tag == "$frozenset" else set(items)
        if tag == "$str":
            text = json.loads(body) if isinstance(body, str) else None
            if type(text) is not str:
                raise SerializeError("a malformed string")
            return text
        if tag == "$float":
            if not isinstance(body, str) or not _TAGGED_FLOAT.fullmatch(body):
                raise SerializeError("a malformed float")
            return float(body)
        if tag == "$fraction":
            if not (isinstance(body, list) and len(body) == 2 and all(type(x) is int for x in body)) or body[1] == 0:
                raise SerializeError("a malformed fraction")
            return Fraction(body[0], body[1])
        if tag == "$decimal":
            if not isinstance(body, str):
                raise SerializeError("a malformed decimal")
            return Decimal(body)
        if tag == "$command":
            spec = find(body) if isinstance(body, str) else None
            if spec is None or spec.name != body:
                raise SerializeError(f"not a command: {str(body)[:40]}")
            return spec
        raise SerializeError(f"an unknown tag {tag[:40]}")

    @staticmethod
    def _list(body: Any) -> list[Any]:
        if not isinstance(body, list):
            raise SerializeError("a tagged value that should be a list is not")
        return body


def load_result(document: Mapping[str, Any]) -> CommandResult:
    """The result :func:`dump_result` wrote, rebuilt.  Raises :class:`SerializeError` for a document
    of another schema or another calc version, or one this format cannot read."""
    if not isinstance(document, Mapping) or document.get("schema") != SCHEMA:
        raise SerializeError(f"not a {SCHEMA} document")
    if document.get("calc_version") != VERSION:
        raise SerializeError("written by another version of the calculations")
    try:
        result = _Reader(document.get("formulas"), document.get("shared")).value(document.get("result"))
    except SerializeError:
        raise
    except RecursionError as exc:
        raise SerializeError("the document is nested too deeply") from exc
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, ArithmeticError) as exc:
        # e.g. an enum value that no longer exists, a Decimal that is not a number
        raise SerializeError(f"the document cannot be read: {type(exc).__name__}: {str(exc)[:80]}") from exc
    if not isinstance(result, CommandResult):
        raise SerializeError("the document does not hold a command's result")
    return result
