"""torchsummary (sksq96/pytorch-summary) tables → :class:`~calc.model.ModelSpec`.

What ``torchsummary.summary(model, input_size)`` prints::

    ----------------------------------------------------------------
            Layer (type)               Output Shape         Param #
    ================================================================
                Conv2d-1            [-1, 6, 28, 28]             156
             AvgPool2d-2            [-1, 6, 14, 14]               0
    ================================================================
    Total params: 61,706
    Trainable params: 61,706
    Non-trainable params: 0
    ----------------------------------------------------------------
    Input size (MB): 0.00
    ...

A row is ``<class>-<n>`` (n counts the rows), the output shape with ``-1`` for the batch (read as
``None``), and the count of the module's own ``weight`` and ``bias`` only (torchsummary misses other
parameters, such as an LSTM's ``weight_ih_l0``).  Rows are forward-hook calls of every module except
the model itself and ``Sequential`` / ``ModuleList``, in the order the calls *finish* (a custom
block comes after its children).  No nesting is printed, so every row has depth 0.
"""

from __future__ import annotations

import re

from calc.errors import InputError
from calc.findings import Finding, Severity
from calc.i18n import Message, register
from calc.model import Format, LayerSpec, ModelSpec
from calc.parse._torch_common import finding, parse_shape, resolve_type
from calc.parse.text import has_line, parse_int
from calc.types import Framework

__all__ = ["detect", "parse"]

_FORMAT = "torchsummary"

register(
    {
        "parse.torchsummary.none": {
            "en": (
                'I found no torchsummary table here. It has a header line "Layer (type)   Output Shape   Param #" '
                'and rows such as "Conv2d-1   [-1, 10, 24, 24]   260".'
            ),
            "zh": (
                '这里没有找到 torchsummary 表格。它有表头 "Layer (type)   Output Shape   Param #"，'
                '行的样子如 "Conv2d-1   [-1, 10, 24, 24]   260"。'
            ),
        },
    }
)

_HEADER = re.compile(r"^ *Layer \(type\) +Output Shape +Param # *$")
_HEADER_ANY = re.compile(r"^ *Layer \(type\) +Output Shape +Param # *$", re.MULTILINE)
_ROW_ANY = re.compile(r"^ *[A-Za-z_]\w{0,199}-\d{1,6} +\[", re.MULTILINE)
_ROW = re.compile(r"^ *(?P<type>[A-Za-z_]\w{0,199})-(?P<idx>\d{1,6}) +(?=\[)")
_RULE = re.compile(r"^ *(?:={8,}|-{8,}) *$")
_TOTAL = re.compile(
    r"^ *(?P<key>Total params|Trainable params|Non-trainable params): (?:tensor\()?(?P<value>[\d,]{1,40})\)? *$"
)
_SIZE_LINE = re.compile(r"^ *(?:Input size|Forward/backward pass size|Params size|Estimated Total Size) \(MB\)")


def detect(text: str) -> bool:
    """The torchsummary header and at least one ``Type-N  [..`` row (only lines holding the header's words,
    and then a blank before a bracket, are tried: a MULTILINE ``^`` search tries every character)."""
    return has_line(text, "Layer (type)", _HEADER_ANY) and has_line(text, " [", _ROW_ANY)


def parse(text: str) -> ModelSpec:
    lines = text.split("\n")
    header_at = next((i for i, line in enumerate(lines) if _HEADER.match(line)), None)
    if header_at is None:
        raise InputError("parse.torchsummary.none")

    findings: list[Finding] = []
    layers: list[LayerSpec] = []
    pending: list[tuple[int, str]] = []
    i = header_at + 1
    while i < len(lines) and (_RULE.match(lines[i]) or not lines[i].strip()):
        i += 1
    ended = False
    while i < len(lines):
        line = lines[i]
        i += 1
        if _RULE.match(line) or _TOTAL.match(line):
            ended = True
            i -= 1
            break
        if not line.strip():
            continue
        m = _ROW.match(line)
        shape_text, _, params_text = line[m.end() :].rstrip().rpartition(" ") if m else ("", "", "")
        shape_text = shape_text.strip()
        params = parse_int(params_text) if m else None
        shape = parse_shape(shape_text) if m else None
        if m is None or params is None:
            pending.append((i, line.strip()))
            continue
        findings.extend(
            finding("parse.skipped_row", "parse.torch.skipped_row", line=n, format=_FORMAT, text=bad[:80])
            for n, bad in pending
        )
        pending.clear()
        if shape is None:
            findings.append(
                finding(
                    "parse.bad_cell",
                    "parse.torch.skipped_row",
                    Severity.INFO,
                    line=i,
                    format=_FORMAT,
                    text=shape_text[:80],
                )
            )
        layers.append(
            LayerSpec(
                type=m.group("type"),
                output_shape=shape,
                output_shape_text=shape_text if shape is None else None,
                params=params,
                line=i,
                resolved_type=resolve_type(m.group("type")),
            )
        )
    if not layers:
        raise InputError("parse.torchsummary.none")
    if ended:
        findings.extend(
            finding("parse.skipped_row", "parse.torch.skipped_row", line=n, format=_FORMAT, text=bad[:80])
            for n, bad in pending
        )

    totals: dict[str, int | None] = {}
    j = i
    while ended and j < len(lines) and j < i + 20:
        line = lines[j]
        j += 1
        mt = _TOTAL.match(line)
        if mt:
            totals[mt.group("key")] = parse_int(mt.group("value"))
        elif line.strip() and not _RULE.match(line) and not _SIZE_LINE.match(line):
            break
    if "Total params" not in totals:
        findings.append(
            finding(
                "parse.truncated",
                "parse.torch.truncated",
                format=_FORMAT,
                missing=Message("parse.torch.missing_totals"),
                rows=len(layers),
            )
        )
    return ModelSpec(
        format=Format.TORCHSUMMARY,
        framework=Framework.TORCH,
        layers=tuple(layers),
        total_params=totals.get("Total params"),
        trainable_params=totals.get("Trainable params"),
        non_trainable_params=totals.get("Non-trainable params"),
        findings=tuple(findings),
    )
