"""ModelSpec → Report: every layer derived through the catalog, every reported number checked.

How a model is walked
---------------------
Rows are taken in order.  A row's input is, in this order of trust:

* the row's own "Input Shape" (torchinfo with that column) — a fact;
* its "Connected to" entries (functional Keras models): the named layers' outputs, picking the
  call and tensor index (``lstm[0][1]``: the second output of ``lstm``);
* the previous row's output in the same nesting level (the first child of a nested model reads the
  container's input).  In a Keras ``Sequential`` table that is a fact.  In a torch table rows are
  modules in forward-call order, and the forward function may reshape, slice or add between two
  modules, so there it is only a *hint* (``Evidence.hinted``);
* nothing: the first row of a summary whose input is not printed.  The generators then propose one.

A ``print(model)`` text lists modules, not a data flow, so its rows read nothing from each other.
Each row's printed output is what the next row reads — unless no configuration reproduces it (a
typo in the paste is likelier than every later row being wrong); then the derived output is passed
on.  Either way one bad row stays one bad row.

Each row
--------
:mod:`calc.infer` proposes configurations, most plausible first, and says which values it solved
from the count (status "inferred") or the shapes.  The engine derives them through the catalog and
keeps the first that reproduces the reported count and output shape.  When none does, the one that
reproduces the *shape* with the count nearest the printed one is layerbot's answer, and the row is a
mismatch whose ``params`` hold the right value.  A type printed cut short (``GlobalAveragePool…``) is
tried as each kind it may be.

Derivations and solved rows are memoized process-wide (bounded): a DenseNet121 summary has 429 rows
but 263 distinct ones, and a bot sees the same layers again and again.  When the count is not printed at all (a narrow
Keras 3 table) the most plausible configuration gives the row's numbers; if another configuration
fits the same shapes with a different count, the row is "unknown" and a finding lists both.

Containers (nested models, torch modules with children) add up their children.  A torchinfo
container row prints only the parameters that belong to the module itself, outside its children;
those are added and reported.  A composite kind the catalog knows (``MultiheadAttention``,
``TransformerEncoderLayer`` in a ``print(model)``) is also derived from its children's
configuration, which counts the parameters it holds outside them (``in_proj``).

Totals
------
The top-level rows add up to the total, each shared module once (torchinfo's "(recursive)" rows
count nothing).  A row that cannot be derived (an unknown kind, a nested model shown collapsed)
contributes its reported count, and a finding says so.  Then the Total / Trainable /
Non-trainable lines are checked; known causes of a difference are explained: Keras 3's
"Optimizer params" (included in its Total after training), frozen layers (the split moves, the total
does not), a count printed as a wrapped 32-bit integer, modules shared between rows, parameters
outside every row (PyTorch).  Any other difference is reported as unexplained.

Symbolic values
---------------
Keras code may size a layer with a name that has no value in the text (``Dense(nClasses)``): the
parser stores ``SymbolRef("nClasses")``.  The engine derives such a layer with a stand-in value (a
large prime no real model uses, different for each name), renders the formula with the name in its
place (``512 × nClasses + nClasses``, in ``LayerReport.symbolic_formula``), and reports ``params``
as None with status ok and a finding naming the symbols.  The stand-in travels in the shapes, so a
later layer that reads it (``Dense(10)`` after ``Dense(nClasses)``) is symbolic too; report shapes
show None where a symbol stands.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from calc.catalog import LayerCalc, LayerKind, all_kinds, derive, lookup
from calc.errors import LayerbotError, UnknownLayerKind
from calc.findings import Finding, Severity
from calc.formula import TermSum, group_digits
from calc.i18n import Message, register
from calc.infer import Candidate, Child, Evidence, candidates
from calc.model import Format, Inbound, LayerSpec, ModelSpec, SymbolRef
from calc.report import LayerReport, Report, Status
from calc.types import Framework, Shape, ShapeTree, format_shape

__all__ = ["derive_model"]

register(
    {
        "derive.unknown_kind": {
            "en": "{type} is a layer kind I don't know, so I can't check its {reported} parameters.",
            "zh": "{type} 是我不认识的层类型，因此无法核对它的 {reported} 个参数。",
        },
        "derive.unknown_kind_no_count": {
            "en": "{type} is a layer kind I don't know.",
            "zh": "{type} 是我不认识的层类型。",
        },
        "derive.underdetermined": {
            "en": "No configuration of {type} I can think of gives {reported} parameters and output {shape} from "
            "input {inputs}.",
            "zh": "我找不到一种 {type} 的配置能从输入 {inputs} 得到 {reported} 个参数和输出 {shape}。",
        },
        "derive.mismatch": {
            "en": "{name}: the summary says {reported} parameters, but {type} with this configuration has "
            "{derived} = {formula}.",
            "zh": "{name}：摘要显示 {reported} 个参数，但该配置的 {type} 应有 {derived} = {formula}。",
        },
        "derive.shape_mismatch": {
            "en": "{name}: the summary shows output {reported}, but {type} here gives {derived}.",
            "zh": "{name}：摘要显示输出为 {reported}，但这里的 {type} 得到 {derived}。",
        },
        "derive.container": {
            "en": "{type} holds the {count} layers below it: its count is their sum.",
            "zh": "{type} 包含下面的 {count} 个层：它的参数数量是它们之和。",
        },
        "derive.container_mismatch": {
            "en": "{name}: the summary says {reported} parameters, but the {count} layers it holds add up to {derived}.",
            "zh": "{name}：摘要显示 {reported} 个参数，但它包含的 {count} 个层加起来是 {derived}。",
        },
        "derive.collapsed_container_torch": {
            "en": "{name} is shown as one row without its modules (torchinfo stops at its depth limit, 3 by default); "
            "run summary(..., depth=5) or paste print(model) to check its {reported} parameters.",
            "zh": "{name} 只显示为一行，没有列出其中的模块（torchinfo 默认只展开到第 3 层）；请用 summary(..., depth=5) "
            "或粘贴 print(model) 的输出，以便核对它的 {reported} 个参数。",
        },
        "derive.collapsed_container": {
            "en": "{name} is a nested model shown as one row; paste its summary with expand_nested=True (or its own "
            "summary) to check its {reported} parameters.",
            "zh": "{name} 是折叠成一行的嵌套模型；请用 expand_nested=True 粘贴（或单独粘贴它的摘要），以便核对它的 "
            "{reported} 个参数。",
        },
        "derive.cut_container": {
            "en": "{name}: the table stops after {count} of its layers, so its count cannot be added up.",
            "zh": "{name}：表格在它的第 {count} 个层之后就中断了，因此无法把它的参数加起来。",
        },
        "derive.total_unconfirmed": {
            "en": "With the most plausible configurations the layers add up to {derived}, but the Total line says "
            "{reported}; {count} rows show no count of their own, so the difference lies among them.",
            "zh": "按最可能的配置，各层加起来是 {derived}，但 Total 一行显示 {reported}；有 {count} 行没有显示自己的"
            "参数数量，差异就在这些行之中。",
        },
        "derive.own_params": {
            "en": "{name}: {own} parameters belong to the module itself, outside its child modules (an nn.Parameter "
            "set on it); with its children's {children} that makes {total}.",
            "zh": "{name}：有 {own} 个参数属于该模块本身、不在任何子模块中（直接定义在它上面的 nn.Parameter）；"
            "加上子模块的 {children} 个，共 {total} 个。",
        },
        "derive.composite": {
            "en": "{name}: {type} holds {own} parameters of its own besides its children's {children} "
            "({formula} in all).",
            "zh": "{name}：{type} 除了子模块的 {children} 个参数外，自身还有 {own} 个参数（共 {formula}）。",
        },
        "derive.ambiguous": {
            "en": "{name}: no count is printed, and the shapes fit several {type} configurations: {options}. "
            "I show the most plausible; the count is not confirmed.",
            "zh": "{name}：没有显示参数数量，而形状符合多种 {type} 配置：{options}。这里显示最可能的一种；"
            "该数量未经确认。",
        },
        "derive.symbolic": {
            "en": "{name}: its count depends on {names}, which the text leaves as a name: {formula}.",
            "zh": "{name}：它的参数数量取决于 {names}，而文本中这只是一个名字：{formula}。",
        },
        "derive.total_symbolic": {
            "en": "The total depends on {names}: {formula}.",
            "zh": "总数取决于 {names}：{formula}。",
        },
        "derive.unchecked_rows": {
            "en": "The total includes the reported counts of {count} rows I could not check ({names}).",
            "zh": "总数包含了 {count} 个我无法核对的行的显示数量（{names}）。",
        },
        "derive.total_mismatch": {
            "en": "The layers add up to {derived} parameters, but the Total line says {reported}.",
            "zh": "各层参数之和为 {derived}，但 Total 一行显示 {reported}。",
        },
        "derive.total_outside_rows": {
            "en": "The layers add up to {derived} parameters, but the Total line says {reported}: {diff} parameters "
            "are on no row. In PyTorch that happens when a module holds an nn.Parameter of its own (a class token, "
            "a positional embedding) that no row shows.",
            "zh": "各层参数之和为 {derived}，但 Total 一行显示 {reported}：有 {diff} 个参数不在任何一行上。"
            "在 PyTorch 中，当某个模块自身持有 nn.Parameter（如 class token、位置编码）而没有任何一行显示它时，"
            "就会出现这种情况。",
        },
        "derive.total_with_optimizer": {
            "en": "Total {reported} = {derived} weights + {optimizer} optimizer variables (Keras 3 counts the "
            "optimizer's state in Total after training).",
            "zh": "Total {reported} = {derived} 个权重 + {optimizer} 个优化器变量（Keras 3 训练后会把优化器状态计入 Total）。",
        },
        "derive.total_wrapped": {
            "en": "The Total line shows {reported}, a negative count: the real total {derived} does not fit in a "
            "32-bit integer and wrapped around.",
            "zh": "Total 一行显示 {reported}，是负数：真实总数 {derived} 超出了 32 位整数范围而发生了溢出。",
        },
        "derive.total_shared": {
            "en": "The rows add up to {rows} parameters, but {shared} of them belong to modules listed more than once "
            "(shared); counted once, the total is {derived}.",
            "zh": "各行加起来是 {rows} 个参数，但其中 {shared} 个属于被列出多次的（共享）模块；只计一次，总数为 {derived}。",
        },
        "derive.split_mismatch": {
            "en": "The {which} count adds up to {derived}, but the summary says {reported}.",
            "zh": "{which} 参数之和为 {derived}，但摘要显示 {reported}。",
        },
        "derive.split_frozen": {
            "en": "The summary reports {reported_nt} non-trainable parameters where the layers' own split gives "
            "{derived_nt}: consistent with layers frozen with trainable=False (frozen weights count as non-trainable).",
            "zh": "摘要显示 {reported_nt} 个不可训练参数，而各层自身的划分为 {derived_nt}：这与用 trainable=False "
            "冻结了部分层一致（冻结的权重计为不可训练）。",
        },
        "derive.negative_count": {
            "en": "{name}: the summary shows {reported}, a negative count: the real count {derived} does not fit in a "
            "32-bit integer and wrapped around.",
            "zh": "{name}：摘要显示 {reported}，是负数：真实数量 {derived} 超出了 32 位整数范围而发生了溢出。",
        },
        "derive.unbuilt": {
            "en": "{name} is not built yet (Keras prints 0 (unbuilt)): its weights do not exist until it sees an "
            "input, so that 0 is not its count.",
            "zh": "{name} 尚未构建（Keras 显示 0 (unbuilt)）：在见到输入之前它的权重还不存在，所以这个 0 不是它的参数数量。",
        },
        "derive.activation_unshown": {
            "en": "{type} applies a function to each value (the summary does not say which one): no weights, "
            "0 parameters, same shape.",
            "zh": "{type} 对每个值施加一个函数（摘要没有说明是哪一个）：没有权重，0 个参数，形状不变。",
        },
        "derive.cut_type": {
            "en": "{name}: the type is cut short ({type}); {kind} is the kind that fits its numbers.",
            "zh": "{name}：类型名被截断了（{type}）；符合它的数字的类型是 {kind}。",
        },
        "derive.recursive": {
            "en": "{name} is a module already shown above, called again; its parameters are counted once.",
            "zh": "{name} 是上面已经出现过的模块，被再次调用；它的参数只计一次。",
        },
        "which.trainable": {"en": "trainable", "zh": "可训练"},
        "which.non_trainable": {"en": "non-trainable", "zh": "不可训练"},
    }
)

_CONTAINER_KINDS = frozenset({"sequential", "functional", "model", "modulelist", "moduledict"})
_STATED_FORMATS = frozenset({Format.TORCH_REPR, Format.KERAS_CODE, Format.LAYER_LIST})
_LEFTOVER_FORMATS = frozenset({Format.TORCHINFO})  # container rows print their own (leftover) parameters
_MAX_FALLBACK_DERIVES = 24
_CACHE_LIMIT = 4_096
# Process-wide memo of catalog derivations and of solved rows.  LayerCalc and the outcomes are immutable,
# so sharing them between models is safe; many pasted models share layers (VGG16, ResNet50, the same
# BatchNormalization on 64 channels...).  Bounded: cleared when full (dict operations are atomic, so
# threads running derive_model at once only ever miss).  An entry of a real paste is about 1.6 KB (all the
# corpus's pastes: 6,100 entries, 9.8 MB), so a long-running worker keeps at most ~13 MB here; a paste's
# distinct layers (DenseNet121: about 70) fit many times over.
_DERIVED: dict[Any, LayerCalc | LayerbotError] = {}
_SOLVED: dict[Any, _Outcome] = {}
_MAX_ALTERNATIVES_LOOKED_AT = 8
_new_row = object.__new__
_set_fields = object.__setattr__
_INT32 = 2**32


def derive_model(
    spec: ModelSpec,
    *,
    framework: Framework | None = None,
    input_shapes: Sequence[Shape] | None = None,
) -> Report:
    """Derive every row of ``spec`` and check every reported number (see the module docs)."""
    return _Engine(spec, framework or spec.framework, input_shapes).run()


# ---------------------------------------------------------------------------------------------
# small helpers


_ABSENT: Any = object()  # a dict.get default no output can be


def _first_shape(tree: ShapeTree | None) -> Shape | None:
    while isinstance(tree, list):
        tree = tree[0] if tree else None
    return tree


def _pick(tree: ShapeTree | None, tensor: int) -> Shape | None:
    if isinstance(tree, list):
        return _first_shape(tree[tensor]) if tensor < len(tree) else None
    return tree


def _same_shape(reported: ShapeTree | None, derived: ShapeTree | None) -> bool:
    """Equal where both say something: an unknown dim (None) on either side matches anything."""
    if reported is None or derived is None or reported == derived:
        return True
    if isinstance(reported, list) or isinstance(derived, list):
        if isinstance(reported, list) and isinstance(derived, list):
            return len(reported) == len(derived) and all(
                _same_shape(x, y) for x, y in zip(reported, derived, strict=True))
        # a single printed shape for a multi-output layer (torchinfo prints the first tensor)
        return _same_shape(_first_shape(reported), _first_shape(derived))
    return len(reported) == len(derived) and all(
        x is None or y is None or x == y for x, y in zip(reported, derived, strict=True))


def _wrapped(reported: int, derived: int) -> bool:
    """A Keras 2 summary on Windows printed counts as int32: a negative number that wrapped."""
    return reported < 0 and (derived - reported) % _INT32 == 0


def _counts_match(reported: int | None, derived: int) -> bool:
    return reported is None or reported == derived or _wrapped(reported, derived)


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _is_prime(n: int) -> bool:
    return n > 1 and all(n % d for d in range(2, math.isqrt(n) + 1))


def _sentinels() -> Iterator[int]:
    """Stand-in values for symbolic hyperparameters: primes just above ten million."""
    n = 10_000_019
    while True:
        if _is_prime(n):
            yield n
        n += 2


@dataclass
class _Scope:
    """A nesting level being filled: the container row and the chain of outputs inside it."""

    index: int | None  # row index of the container (None for the model itself)
    depth: int
    prev: tuple[Shape, ...] | None  # inputs for the next sequential child
    children: list[int] = field(default_factory=list)
    last: ShapeTree | None = None  # the last child's output: the container's, when its row shows none


@dataclass
class _Solved:
    calc: LayerCalc
    cand: Candidate


@dataclass
class _Outcome:
    exact: _Solved | None = None
    shape_only: _Solved | None = None  # the output fits, the count does not
    count_only: _Solved | None = None  # the count fits, the output does not
    first: _Solved | None = None
    error: LayerbotError | None = None
    alternatives: list[_Solved] = field(default_factory=list)  # other configurations that fit as well
    values: _Values | None = None  # the row's numbers, computed once per outcome


@dataclass(frozen=True, slots=True)
class _Values:
    """What every row with the same outcome reports (computed once; a Term evaluates on every access)."""

    status: Status
    params: int
    trainable: int
    non_trainable: int
    formula: TermSum | None
    config: Mapping[str, Any]
    inferred: tuple[str, ...]
    row: dict[str, Any]  # a LayerReport's fields with these values (the row's own fields to be filled in)


# ---------------------------------------------------------------------------------------------


class _Engine:
    def __init__(self, spec: ModelSpec, fw: Framework, input_shapes: Sequence[Shape] | None) -> None:
        self.spec = spec
        self.fw = fw
        self.fw_key = fw.value  # the framework in memo keys: an enum member hashes with a Python-level call
        self.stated = spec.format in _STATED_FORMATS
        self.leftover = spec.format in _LEFTOVER_FORMATS
        self.hinted = fw is Framework.TORCH and not self.stated
        self.chain = spec.format is not Format.TORCH_REPR
        self.findings: list[Finding] = list(spec.findings)
        self.rows: list[LayerReport] = []
        self.repeat: list[bool] = []  # rows whose parameters were already counted on an earlier row
        # Per row: parameters taken on trust from the reported count (a row that cannot be derived, such as a
        # nested model shown collapsed, or containers holding one), and the split of the rest.
        self.unverified: list[int | None] = []
        self.split: list[tuple[int, int] | None] = []
        self.covered: list[bool] = []  # the row's split accounts for its whole count, reported part included
        self.outputs: dict[str, ShapeTree | None] = {}
        self.entries: dict[str, LayerKind | None] = {}
        self.symbols: dict[str, int] = {}
        self.names_of: dict[int, str] = {}
        self._sentinel_iter = _sentinels()
        self.model_inputs: tuple[Shape, ...] | None = tuple(input_shapes) if input_shapes else (
            spec.input_shapes or None)

    # --- the walk ------------------------------------------------------------------------------

    def run(self) -> Report:
        layers = self.spec.layers
        scopes = [_Scope(None, -1, self.model_inputs)]
        for i, ls in enumerate(layers):
            while len(scopes) > 1 and ls.depth <= scopes[-1].depth:
                self._pop(scopes)
            scope = scopes[-1]
            scope.children.append(i)
            inputs, hinted = self._inputs(ls, scope)
            has_kids = i + 1 < len(layers) and layers[i + 1].depth > ls.depth
            container = has_kids or ls.is_container or ls.type.lower() in _CONTAINER_KINDS
            out: ShapeTree | None
            if container and has_kids:
                self._append(self._container_row(ls), repeat=ls.recursive)
                # a nested model called twice (shared) lists both calls' inputs: its layers read the first
                scopes.append(_Scope(i, ls.depth, inputs[:1] if inputs else inputs))
                out = ls.output_shape
            elif container and not self._known_kind(ls):
                row = self._collapsed_row(ls)
                self._append(row, repeat=ls.recursive)
                out = ls.output_shape
            else:
                row, out = self._leaf(ls, inputs, hinted)
                self._append(row, repeat=ls.recursive)
            self._output(scope, ls, out)
        cut = any(f.code == "parse.truncated" for f in self.spec.findings)
        while len(scopes) > 1:
            self._pop(scopes, cut=cut)
        return self._totals()

    def _output(self, scope: _Scope, ls: LayerSpec, out: ShapeTree | None) -> None:
        """A row's output becomes what the next row of its level reads (and what "Connected to" names)."""
        if ls.name:
            self.outputs[ls.name] = out
        if not ls.recursive or out is not None:
            scope.last = out
        first = out if type(out) is tuple else _first_shape(out)
        scope.prev = (first,) if first is not None else None

    def _pop(self, scopes: list[_Scope], *, cut: bool = False) -> None:
        """Close the innermost container.  Code does not state a nested model's output: it is its last layer's."""
        scope = scopes.pop()
        self._close(scope, cut=cut)
        if scope.index is None:
            return
        ls = self.spec.layers[scope.index]
        if ls.output_shape is None and scope.last is not None and not cut:
            row = self.rows[scope.index]
            self.rows[scope.index] = replace(row, output_shape=self._clean_shape(scope.last))
            self._output(scopes[-1], ls, scope.last)

    def _append(self, row: LayerReport, *, repeat: bool = False) -> None:
        self.rows.append(row)
        self.repeat.append(repeat)
        if row.params is not None or row.symbolic_formula is not None:
            self.unverified.append(0)
            t, nt = row.trainable_params, row.non_trainable_params
            self.split.append((t, nt) if t is not None and nt is not None else None)
            self.covered.append(True)  # as _covered_split says of a derived row
        else:  # its reported count stands in (or nothing does)
            self.unverified.append(row.reported_params)
            self.split.append((0, 0))
            self.covered.append(self._covered_split(row))

    def _covered_split(self, row: LayerReport) -> bool:
        """Whether the row's split accounts for all of its count.  A row counted by its reported number
        has no split of its own, except in torchinfo, which prints a frozen count in brackets "(8,448)"
        and a trainable one plain: there the reported number's split is stated by the table too."""
        if row.params is not None or row.symbolic_formula is not None:
            return True
        reported = row.reported_params
        if reported is None or self.spec.format is not Format.TORCHINFO:
            return reported is None
        frozen = self.spec.layers[len(self.rows) - 1].trainable is False
        self.split[-1] = (0, reported) if frozen else (reported, 0)
        return True

    def _count(self, j: int) -> int | None:
        """A row's count for sums: derived, or reported when it could not be derived."""
        row = self.rows[j]
        return row.params if row.params is not None else self.unverified[j]

    def _entry(self, ls: LayerSpec) -> LayerKind | None:
        name = ls.resolved_type or ls.type
        if name not in self.entries:
            try:
                self.entries[name] = lookup(name, self.fw)
            except UnknownLayerKind:
                self.entries[name] = None
        return self.entries[name]

    def _known_kind(self, ls: LayerSpec) -> bool:
        return self._entry(ls) is not None and ls.type.lower() not in _CONTAINER_KINDS

    def _inputs(self, ls: LayerSpec, scope: _Scope) -> tuple[tuple[Shape, ...] | None, bool]:
        """(inputs, hinted) for a row; see the module docs for the order of trust."""
        if ls.input_shape is not None:
            if isinstance(ls.input_shape, list):
                shapes = [_first_shape(s) for s in ls.input_shape]
                return tuple(s for s in shapes if s is not None) or None, False
            return (ls.input_shape,), False
        if ls.inbound:
            found: list[Shape] = []
            outputs = self.outputs
            for src in ls.inbound:  # _inbound only reads: the first entry without a shape settles it
                shape = outputs.get(src.layer)
                if type(shape) is not tuple:  # the usual case, a layer named above with one output, read at once
                    shape = self._inbound(src)
                if shape is None:
                    return None, False
                found.append(shape)
            return tuple(found), False
        if not self.chain:
            return None, False
        return scope.prev, self.hinted and scope.prev is not None

    def _inbound(self, src: Inbound) -> Shape | None:
        out = self.outputs.get(src.layer, _ABSENT)
        if out is not _ABSENT:
            return out if isinstance(out, tuple) else _pick(out, src.tensor)  # _pick: a tuple as is
        if src.layer.endswith("…"):  # a name cut short by a narrow window: the latest layer it begins
            prefix = src.layer[:-1]
            latest = next((name for name in reversed(self.outputs) if name.startswith(prefix)), None)
            if latest is not None:
                return _pick(self.outputs[latest], src.tensor)
        return None

    # --- one layer -----------------------------------------------------------------------------

    def _derive(self, entry: LayerKind, config: Mapping[str, Any], inputs: tuple[Shape, ...]) -> (
            LayerCalc | LayerbotError):
        key = (self.fw_key, entry.name, repr(config), inputs)
        hit = _DERIVED.get(key)
        if hit is None:
            try:
                hit = derive(entry, self.fw, config, inputs)
            except LayerbotError as exc:
                # Kept without its traceback: the frames would keep this whole paste and report alive.
                hit = exc.with_traceback(None)
            if len(_DERIVED) >= _CACHE_LIMIT:
                _DERIVED.clear()
            _DERIVED[key] = hit
        return hit

    def _solve(self, entry: LayerKind, ev: Evidence) -> _Outcome:
        result = _Outcome()
        reported = ev.params
        deferred: list[Candidate] = []
        it = candidates(ev)
        shape_fits: list[_Solved] = []
        for cand in it:
            if reported is not None and cand.params is not None and not _counts_match(reported, cand.params):
                deferred.append(cand)
                continue
            solved = self._try(entry, cand, ev.inputs, result)
            if solved is None:
                continue
            shape_ok = _same_shape(ev.output, solved.calc.output)
            count_ok = _counts_match(reported, solved.calc.params)
            if shape_ok and count_ok:
                result.exact = solved
                break
            if shape_ok:
                shape_fits.append(solved)
            if count_ok and result.count_only is None:
                result.count_only = solved
        if result.exact is None:
            for cand in deferred[:_MAX_FALLBACK_DERIVES]:
                solved = self._try(entry, cand, ev.inputs, result)
                if solved is not None and _same_shape(ev.output, solved.calc.output):
                    shape_fits.append(solved)
            if shape_fits:
                # The printed count is off: the configuration whose count is nearest is the likeliest meant (a
                # typo changes a digit or two); the most plausible one among equals.
                target = reported if reported is not None else 0
                result.shape_only = min(shape_fits, key=lambda sv: abs(sv.calc.params - target))
        elif reported is None and not ev.stated:
            self._alternatives(entry, ev, it, result)
        return result

    def _try(self, entry: LayerKind, cand: Candidate, inputs: tuple[Shape, ...] | None,
             result: _Outcome) -> _Solved | None:
        ins = cand.inputs if cand.inputs is not None else inputs
        if ins is None:
            return None
        got = self._derive(entry, cand.config, ins)
        if isinstance(got, LayerbotError):
            result.error = got
            return None
        solved = _Solved(got, cand)
        if result.first is None:
            result.first = solved
        return solved

    def _alternatives(self, entry: LayerKind, ev: Evidence, rest: Iterator[Candidate], result: _Outcome) -> None:
        """Without a printed count: other configurations that fit the shapes with a different count."""
        if result.exact is None:
            return
        best = result.exact.calc.params
        for n, cand in enumerate(rest):
            if n >= _MAX_ALTERNATIVES_LOOKED_AT or len(result.alternatives) >= 2:
                return
            if cand.params is not None and cand.params == best:
                continue
            solved = self._try(entry, cand, ev.inputs, result)
            if solved is None or solved.calc.params == best:
                continue
            if _same_shape(ev.output, solved.calc.output) and all(
                    a.calc.params != solved.calc.params for a in result.alternatives):
                result.alternatives.append(solved)

    def _leaf(self, ls: LayerSpec, inputs: tuple[Shape, ...] | None,
              hinted: bool) -> tuple[LayerReport, ShapeTree | None]:
        label = ls.name or ls.type
        entry = self.entries.get(ls.resolved_type or ls.type, _ABSENT)
        if entry is _ABSENT:
            entry = self._entry(ls)
        if entry is None:
            for option in self._cut_type_options(ls):  # a type cut short: the kinds it may be, tried in turn
                outcome, reported, symbolic, ins = self._outcome(ls, option, inputs, hinted, label)
                if outcome.exact is not None:
                    self.findings.append(Finding(Severity.INFO, "derive.cut_type", Message(
                        "derive.cut_type", {"name": label, "type": ls.type, "kind": option.name}), label))
                    return self._leaf_report(ls, label, option, outcome, reported, symbolic, ins)
            key = "derive.unknown_kind" if ls.params is not None else "derive.unknown_kind_no_count"
            msg = Message(key, {"type": ls.type, "reported": ls.params or 0})
            self.findings.append(Finding(Severity.WARNING, "derive.unknown_kind", msg, label))
            return self._unknown_row(ls, msg), ls.output_shape
        if ls.unbuilt:
            self.findings.append(Finding(Severity.INFO, "derive.unbuilt", Message("derive.unbuilt", {"name": label}),
                                         label))
        if ls.recursive:
            self.findings.append(Finding(Severity.INFO, "derive.recursive",
                                         Message("derive.recursive", {"name": label}), label))
        outcome, reported, symbolic, inputs = self._outcome(ls, entry, inputs, hinted, label)
        return self._leaf_report(ls, label, entry, outcome, reported, symbolic, inputs)

    def _cut_type_options(self, ls: LayerSpec) -> list[LayerKind]:
        """Catalog kinds whose name begins with a type printed cut short (``GlobalAveragePool…``, Keras 1/2's
        ``MaxPooling2``); at most a few."""
        bare = ls.type.rstrip("…").strip()
        if len(bare) < 4:
            return []
        seen: dict[int, LayerKind] = {}
        for kind in all_kinds(self.fw):
            if any(n.startswith(bare) for n in (kind.name, *kind.aliases)):
                seen.setdefault(id(kind), kind)
        return list(seen.values())[:8]

    def _outcome(self, ls: LayerSpec, entry: LayerKind, inputs: tuple[Shape, ...] | None, hinted: bool,
                 label: str) -> tuple[_Outcome, int | None, bool, tuple[Shape, ...] | None]:
        config = ls.config
        symbolic = False
        shown = repr(config) if config else ""  # the memo's key for the configuration
        # Only Keras code leaves names standing for values (SymbolRef); a parser's configuration holds plain
        # literals (numbers, strings, tuples and lists of them), which _symbolize would copy unchanged.  The
        # repr is needed for the key anyway, and shows every SymbolRef nested anywhere in it.
        if shown and (type(config) is not dict or "SymbolRef(" in shown):
            config, symbolic = self._symbolize(config)
            shown = repr(config)
        if self.fw is Framework.KERAS and ls.trainable is False:
            config = {**config, "trainable": False}
            shown = repr(config)
        reported = None if (ls.unbuilt or ls.recursive) else ls.params
        if inputs is not None and len(inputs) > entry.max_inputs:
            inputs = inputs[: max(entry.max_inputs, 1)]  # a shared layer lists every call's input: one is enough
        out = ls.output_shape
        solve_key = (self.fw_key, entry.name, inputs, out if out is None or isinstance(out, tuple) else repr(out), reported,
                     shown, self.stated, hinted, ls.kernel_size)
        outcome = _SOLVED.get(solve_key)
        if outcome is None:
            ev = Evidence(self.fw, entry.name, inputs, out, reported, config, stated=self.stated, hinted=hinted,
                          kernel_size=ls.kernel_size)
            outcome = self._solve(entry, ev)
            if len(_SOLVED) >= _CACHE_LIMIT:
                _SOLVED.clear()
            _SOLVED[solve_key] = outcome
        return outcome, reported, symbolic, inputs

    def _leaf_report(self, ls: LayerSpec, label: str, entry: LayerKind, outcome: _Outcome, reported: int | None,
                     symbolic: bool, inputs: tuple[Shape, ...] | None) -> tuple[LayerReport, ShapeTree | None]:
        solved = outcome.exact or outcome.shape_only or outcome.count_only or outcome.first
        if solved is None:
            msg = outcome.error.message if outcome.error is not None else Message(
                "derive.underdetermined",
                {"type": ls.type, "reported": reported if reported is not None else "?",
                 "shape": format_shape(ls.output_shape), "inputs": format_shape(list(inputs)) if inputs else "?"},
            )
            self.findings.append(Finding(Severity.WARNING, "derive.underdetermined", msg, label))
            return self._unknown_row(ls, msg), ls.output_shape
        calc, cand = solved.calc, solved.cand
        if cand.note is not None:
            self.findings.append(Finding(Severity.INFO, "derive.undetermined", cand.note, label))
        if symbolic or self._has_sentinel(calc):
            return self._symbolic_row(ls, label, solved), ls.output_shape or calc.output
        values = outcome.values
        if values is None:
            status = Status.MISMATCH
            if outcome.exact is not None:
                status = Status.UNKNOWN if outcome.alternatives else (
                    Status.INFERRED if cand.inferred else Status.OK)
                if reported is not None and reported != calc.params:  # printed as a wrapped 32-bit integer
                    status = Status.MISMATCH
            config = MappingProxyType(calc.config)
            inferred = (*cand.inferred, *cand.shaped)
            shared = LayerReport(  # every field but the row's own (name, type, depth, reported count, line)
                None, "", 0, status, calc.explanation, calc.output, calc.params, calc.trainable_params,
                calc.non_trainable_params, None, calc.formula, config, inferred, cand.undetermined, None, calc, False,
            ).__dict__  # fmt: skip
            values = outcome.values = _Values(
                status, calc.params, calc.trainable_params, calc.non_trainable_params, calc.formula, config, inferred,
                shared)
        if values.status is Status.MISMATCH or outcome.alternatives or (reported is not None and reported < 0):
            self._row_findings(ls, label, outcome, values, reported)
        # The row: the outcome's shared fields and the row's own.  (Built from a copy of a LayerReport's own
        # fields, so it has every field LayerReport has; a dict copy and five stores cost half of __init__.)
        fields = values.row.copy()
        fields["name"] = ls.name
        fields["type"] = ls.type
        fields["depth"] = ls.depth
        fields["reported_params"] = ls.params
        fields["line"] = ls.line
        if ls.trainable is False and self.fw is Framework.TORCH:
            fields["trainable_params"] = 0
            fields["non_trainable_params"] = values.params
        if "activation" in cand.undetermined:  # the catalog would name a function the summary never shows
            fields["explanation"] = Message("derive.activation_unshown", {"type": ls.type})
        row = _new_row(LayerReport)
        _set_fields(row, "__dict__", fields)
        # What the next row reads: the printed output, unless no configuration reproduces it (a typo in the
        # paste is more likely than every later row being wrong).
        reported_out = ls.output_shape
        if reported_out is None or (reported_out != calc.output and not _same_shape(reported_out, calc.output)):
            return row, calc.output
        return row, reported_out

    def _row_findings(self, ls: LayerSpec, label: str, outcome: _Outcome, values: _Values,
                      reported: int | None) -> None:
        solved = outcome.exact or outcome.shape_only or outcome.count_only or outcome.first
        if solved is None:
            return
        calc = solved.calc
        if outcome.exact is not None:
            if reported is not None and reported < 0:
                self.findings.append(Finding(Severity.ERROR, "derive.negative_count", Message(
                    "derive.negative_count", {"name": label, "reported": reported, "derived": values.params}), label))
            if outcome.alternatives:
                options = "; ".join(
                    f"{group_digits(s.calc.params)} ({self._describe(s)})"
                    for s in (outcome.exact, *outcome.alternatives))
                self.findings.append(Finding(Severity.WARNING, "derive.ambiguous", Message(
                    "derive.ambiguous", {"name": label, "type": ls.type, "options": options}), label))
            return
        formula = values.formula
        if reported is not None and not _counts_match(reported, values.params):
            self.findings.append(Finding(Severity.ERROR, "derive.mismatch", Message("derive.mismatch", {
                "name": label, "reported": reported, "type": ls.type, "derived": values.params,
                "formula": formula.unicode if formula is not None else "0"}), label))
        if not _same_shape(ls.output_shape, calc.output):
            self.findings.append(Finding(Severity.ERROR, "derive.shape_mismatch", Message(
                "derive.shape_mismatch", {"name": label, "reported": format_shape(ls.output_shape),
                                          "type": ls.type, "derived": format_shape(calc.output)}), label))

    @staticmethod
    def _describe(solved: _Solved) -> str:
        cfg = solved.calc.config
        keys = [k for k in (*solved.cand.inferred, *solved.cand.shaped) if k in cfg] or [
            k for k in solved.cand.config if k in cfg][:3]
        return ", ".join(f"{k}={cfg[k]}" for k in keys[:4])

    def _unknown_row(self, ls: LayerSpec, msg: Message) -> LayerReport:
        return LayerReport(
            name=ls.name,
            type=ls.type,
            depth=ls.depth,
            status=Status.UNKNOWN,
            explanation=msg,
            output_shape=ls.output_shape,
            reported_params=ls.params,
            config=dict(ls.config),
            line=ls.line,
        )

    # --- symbols -------------------------------------------------------------------------------

    def _symbolize(self, config: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
        if not config or not any(isinstance(v, (SymbolRef, tuple, list, Mapping)) for v in config.values()):
            return config, False
        found = False

        def sub(value: Any) -> Any:
            nonlocal found
            if isinstance(value, SymbolRef):
                found = True
                if value.name not in self.symbols:
                    s = next(self._sentinel_iter)
                    self.symbols[value.name] = s
                    self.names_of[s] = value.name
                return self.symbols[value.name]
            if isinstance(value, tuple):
                return tuple(sub(v) for v in value)
            if isinstance(value, list):
                return [sub(v) for v in value]
            if isinstance(value, Mapping):
                return {k: sub(v) for k, v in value.items()}
            return value

        out = {k: sub(v) for k, v in config.items()}
        return out, found

    def _has_sentinel(self, calc: LayerCalc) -> bool:
        if not self.names_of:
            return False
        values = [v for part in (calc.trainable, calc.non_trainable) if part is not None
                  for t in (part.terms if isinstance(part, TermSum) else (part,)) for v in t.values]
        return any(v in self.names_of for v in values) or any(
            d in self.names_of for s in calc.inputs for d in s if d is not None)

    def _named(self, text: str) -> str:
        for s, name in self.names_of.items():
            text = text.replace(group_digits(s), name).replace(str(s), name)
        return text

    def _clean_shape(self, tree: ShapeTree | None) -> ShapeTree | None:
        if tree is None:
            return None
        if isinstance(tree, list):
            return [t for t in (self._clean_shape(x) for x in tree) if t is not None]
        return tuple(None if d in self.names_of else d for d in tree)

    def _clean_message(self, msg: Message) -> Message:
        args = {k: (self.names_of[v] if isinstance(v, int) and not isinstance(v, bool) and v in self.names_of
                    else self._clean_message(v) if isinstance(v, Message) else v) for k, v in msg.args.items()}
        return Message(msg.key, args)

    def _symbolic_row(self, ls: LayerSpec, label: str, solved: _Solved) -> LayerReport:
        calc = solved.calc
        formula = calc.formula
        text = self._named(formula.unicode) if formula is not None else None
        names = sorted({n for s, n in self.names_of.items() if text is not None and n in text})
        if text is not None and names:
            self.findings.append(Finding(Severity.INFO, "derive.symbolic", Message(
                "derive.symbolic", {"name": label, "names": ", ".join(names), "formula": text}), label))
        params = None if names else calc.params
        config = {k: (self.names_of[v] if isinstance(v, int) and v in self.names_of else v)
                  for k, v in calc.config.items()}
        return LayerReport(
            name=ls.name,
            type=ls.type,
            depth=ls.depth,
            status=Status.OK,
            explanation=self._clean_message(calc.explanation),
            output_shape=self._clean_shape(calc.output),
            params=params,
            trainable_params=None if names else calc.trainable_params,
            non_trainable_params=None if names else calc.non_trainable_params,
            reported_params=ls.params,
            formula=None if names else formula,
            config=config,
            inferred=(*solved.cand.inferred, *solved.cand.shaped),
            undetermined=solved.cand.undetermined,
            symbolic_formula=text if names else None,
            calc=calc,
            line=ls.line,
        )

    # --- containers ----------------------------------------------------------------------------

    def _container_row(self, ls: LayerSpec) -> LayerReport:
        return LayerReport(
            name=ls.name,
            type=ls.type,
            depth=ls.depth,
            status=Status.UNKNOWN,
            explanation=Message("derive.container", {"type": ls.type, "count": 0}),
            output_shape=ls.output_shape,
            reported_params=ls.params,
            is_container=True,
            line=ls.line,
        )

    def _collapsed_row(self, ls: LayerSpec) -> LayerReport:
        label = ls.name or ls.type
        key = "derive.collapsed_container_torch" if self.fw is Framework.TORCH else "derive.collapsed_container"
        msg = Message(key, {"name": label, "reported": ls.params or 0})
        self.findings.append(Finding(Severity.INFO, "derive.collapsed_container", msg, label))
        return LayerReport(
            name=ls.name,
            type=ls.type,
            depth=ls.depth,
            status=Status.UNKNOWN,
            explanation=msg,
            output_shape=ls.output_shape,
            reported_params=ls.params,
            is_container=True,
            line=ls.line,
        )

    def _close(self, scope: _Scope, *, cut: bool = False) -> None:
        """A container's count: its children's, plus what it holds itself (see the module docs).  In a table
        cut short, a container still open at the end shows only some of its children: it is not summed."""
        if scope.index is None:
            return
        idx = scope.index
        row = self.rows[idx]
        ls = self.spec.layers[idx]
        label = row.name or row.type
        if cut:
            msg = Message("derive.cut_container", {"name": label, "count": len(scope.children)})
            self.findings.append(Finding(Severity.INFO, "derive.cut_container", msg, label))
            self.rows[idx] = replace(row, explanation=msg)
            self.unverified[idx] = row.reported_params
            self.split[idx] = (0, 0)
            self.covered[idx] = row.reported_params is None
            return
        kids = [j for j in scope.children if not self.repeat[j]]
        children, unverified, known = self._sums(kids)
        own = 0
        formula = None
        calc = None
        config: Mapping[str, Any] = {}
        undetermined: tuple[str, ...] = ()
        composite = self._composite(ls, scope, children)
        if self.leftover and row.reported_params:
            own = row.reported_params
            self.findings.append(Finding(Severity.INFO, "derive.own_params", Message("derive.own_params", {
                "name": label, "own": own, "children": children if children is not None else "?",
                "total": children + own if children is not None else "?"}), label))
        elif composite is not None and children is not None and composite.calc.params > children:
            calc = composite.calc
            own = calc.params - children
            formula = calc.formula
            config = dict(calc.config)
            undetermined = composite.cand.undetermined
            self.findings.append(Finding(Severity.INFO, "derive.composite", Message("derive.composite", {
                "name": label, "type": row.type, "own": own, "children": children,
                "formula": formula.unicode if formula is not None else calc.params}), label))
        total = children + own if children is not None else None
        if known is not None:
            known = (known[0] + own, known[1])
        covered = all(self.covered[j] for j in kids)
        shown = known if known is not None and (unverified == 0 or covered) else (None, None)
        status = Status.OK
        reported_total = None if self.leftover else row.reported_params
        if total is None:
            status = Status.UNKNOWN
        elif reported_total is not None and not _counts_match(reported_total, total):
            status = Status.MISMATCH
            self.findings.append(Finding(Severity.ERROR, "derive.mismatch", Message("derive.container_mismatch", {
                "name": label, "reported": reported_total, "count": len(kids), "derived": total}), label))
        self.rows[idx] = LayerReport(  # replace(row, ...) with every field written out: a row per container
            row.name, row.type, row.depth, status, Message("derive.container", {"type": row.type, "count": len(kids)}),
            row.output_shape, total, shown[0], shown[1], row.reported_params, formula, config, row.inferred,
            undetermined, row.symbolic_formula, calc, row.is_container, row.line,
        )  # fmt: skip
        self.unverified[idx] = unverified
        self.split[idx] = known
        self.covered[idx] = covered

    def _sums(self, indices: Sequence[int]) -> tuple[int | None, int | None, tuple[int, int] | None]:
        """Of the rows at ``indices``, in one pass: the sum of their counts (derived, or reported where not
        derivable), the part taken on trust, and the trainable split; each None where any row's is unknown."""
        total: int | None = 0
        unverified: int | None = 0
        split: tuple[int, int] | None = (0, 0)
        rows, trust, splits = self.rows, self.unverified, self.split
        for j in indices:
            count = rows[j].params
            if count is None:
                count = trust[j]
            if count is None:
                total = None
            elif total is not None:
                total += count
            u = trust[j]
            if u is None:
                unverified = None
            elif unverified is not None:
                unverified += u
            sp = splits[j]
            if sp is None:
                split = None
            elif split is not None:
                split = (split[0] + sp[0], split[1] + sp[1])
        return total, unverified, split

    def _composite(self, ls: LayerSpec, scope: _Scope, children: int | None) -> _Solved | None:
        """A container whose kind the catalog knows, derived from its children's configuration."""
        if not self._known_kind(ls):
            return None
        entry = self._entry(ls)
        if entry is None:
            return None
        kids = tuple(Child(r.name, r.calc.kind if r.calc is not None else r.type, r.config, r.params)
                     for r in (self.rows[j] for j in scope.children))
        config, _ = self._symbolize(ls.config)
        ev = Evidence(self.fw, entry.name, None, ls.output_shape, None, config, stated=self.stated, children=kids)
        for cand in candidates(ev):
            got = self._derive(entry, cand.config, cand.inputs or ((None, None),))
            if isinstance(got, LayerCalc):
                return _Solved(got, cand)
        return None

    # --- totals --------------------------------------------------------------------------------

    def _totals(self) -> Report:
        spec = self.spec
        rows = self.rows
        top_depth = min([r.depth for r in rows], default=0)
        # The top-level rows (each module counted once): those left symbolic apart, the others summed.
        symbolic: list[int] = []
        numeric: list[int] = []
        repeat = self.repeat
        for i, r in enumerate(rows):
            if r.depth != top_depth or repeat[i]:
                continue
            (symbolic if r.symbolic_formula is not None else numeric).append(i)
        total, unverified, split = self._sums(numeric)
        trainable, non_trainable = split if split is not None else (None, None)
        if unverified:
            names = [r.name or r.type for j, r in enumerate(rows)
                     if r.params is None and not r.is_container and self.unverified[j]]
            names += [r.name or r.type for r in rows if r.is_container and r.status is Status.UNKNOWN
                      and r.params is None]
            self.findings.append(Finding(Severity.INFO, "derive.unchecked_rows", Message(
                "derive.unchecked_rows", {"count": len(names), "names": ", ".join(names[:5])})))
            if not all(self.covered[i] for i in numeric):
                trainable, non_trainable = self._fill_split(unverified, trainable, non_trainable)
        elif unverified is None:
            trainable = non_trainable = None
        if symbolic:
            names = sorted({n for i in symbolic for n in self.names_of.values()
                            if n in (rows[i].symbolic_formula or "")})
            parts = [group_digits(total)] if total else []
            parts += [f"({rows[i].symbolic_formula})" for i in symbolic]
            self.findings.append(Finding(Severity.INFO, "derive.total_symbolic", Message(
                "derive.total_symbolic", {"names": ", ".join(names), "formula": " + ".join(parts)})))
            total = trainable = non_trainable = None
        if total is not None and spec.total_params is not None and total != spec.total_params:
            self._total_difference(total, spec.total_params)
        trainable, non_trainable = self._check_split(total, trainable, non_trainable)
        return Report(
            format=spec.format,
            framework=self.fw,
            layers=tuple(rows),
            total_params=total,
            trainable_params=trainable,
            non_trainable_params=non_trainable,
            reported_total=spec.total_params,
            reported_trainable=spec.trainable_params,
            reported_non_trainable=spec.non_trainable_params,
            findings=tuple(self.findings),
            name=spec.name,
        )

    def _fill_split(self, unknown: int, trainable: int | None,
                    non_trainable: int | None) -> tuple[int | None, int | None]:
        """Parameters counted by their reported number have no split of their own: the reported split fills
        the gap when it is consistent with them."""
        spec = self.spec
        if trainable is None or non_trainable is None or spec.trainable_params is None:
            return None, None
        gap_t = spec.trainable_params - trainable
        gap_n = unknown - gap_t if spec.non_trainable_params is None else spec.non_trainable_params - non_trainable
        if gap_t >= 0 and gap_n >= 0 and gap_t + gap_n == unknown:
            return trainable + gap_t, non_trainable + gap_n
        return None, None

    def _total_difference(self, total: int, reported: int) -> None:
        spec = self.spec
        guesses = sum(1 for r in self.rows if r.status is Status.UNKNOWN and r.params is not None
                      and r.reported_params is None)
        if guesses:
            self.findings.append(Finding(Severity.WARNING, "derive.total_unconfirmed", Message(
                "derive.total_unconfirmed", {"derived": total, "reported": reported, "count": guesses})))
            return
        optimizer = spec.optimizer_params
        if optimizer is not None and total + optimizer == reported:
            self.findings.append(Finding(Severity.INFO, "derive.total_with_optimizer", Message(
                "derive.total_with_optimizer", {"reported": reported, "derived": total, "optimizer": optimizer})))
            return
        if _wrapped(reported, total):
            self.findings.append(Finding(Severity.ERROR, "derive.total_wrapped", Message(
                "derive.total_wrapped", {"reported": reported, "derived": total})))
            return
        shared = self._shared_surplus()
        if shared and total - shared == reported:
            self.findings.append(Finding(Severity.INFO, "derive.total_shared", Message(
                "derive.total_shared", {"rows": total, "shared": shared, "derived": reported})))
            return
        if self.fw is Framework.TORCH and reported > total:
            self.findings.append(Finding(Severity.ERROR, "derive.total_mismatch", Message(
                "derive.total_outside_rows", {"derived": total, "reported": reported, "diff": reported - total})))
            return
        self.findings.append(Finding(Severity.ERROR, "derive.total_mismatch", Message(
            "derive.total_mismatch", {"derived": total, "reported": reported})))

    def _shared_surplus(self) -> int:
        """Parameters of rows that repeat an earlier row's module (same name, or a torchsummary row of the same
        module called again) — counted twice if the table lists them twice."""
        seen: set[str] = set()
        surplus = 0
        for row, repeat in zip(self.rows, self.repeat, strict=True):
            if repeat or row.is_container or row.name is None:
                continue
            if row.name in seen and row.params:
                surplus += row.params
            seen.add(row.name)
        return surplus

    def _check_split(self, total: int | None, trainable: int | None,
                     non_trainable: int | None) -> tuple[int | None, int | None]:
        spec = self.spec
        if trainable is None or non_trainable is None or spec.trainable_params is None:
            return trainable, non_trainable
        nt_reported = spec.non_trainable_params
        if trainable == spec.trainable_params and (nt_reported is None or non_trainable == nt_reported):
            return trainable, non_trainable
        if (nt_reported is not None and total is not None and spec.trainable_params + nt_reported == total
                and nt_reported > non_trainable):
            self.findings.append(Finding(Severity.INFO, "derive.split_frozen", Message(
                "derive.split_frozen", {"reported_nt": nt_reported, "derived_nt": non_trainable})))
            return spec.trainable_params, nt_reported
        self.findings.append(Finding(Severity.ERROR, "derive.split_mismatch", Message("derive.split_mismatch", {
            "which": Message("which.trainable"), "derived": trainable, "reported": spec.trainable_params})))
        return trainable, non_trainable

