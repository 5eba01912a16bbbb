"""Dense (Keras) and Linear / Bilinear (PyTorch)."""

from __future__ import annotations

from calc.catalog.base import Config, Derived, LayerKind, Weight, known, per_example, register, single_input
from calc.errors import ShapeError
from calc.formula import Formula, add, mul, sym
from calc.i18n import Message
from calc.i18n import register as register_text
from calc.types import Framework, Shape

n_in, units = sym("n_in"), sym("units")
n_in1, n_in2 = sym("n_in1"), sym("n_in2")

# Kernel (n_in × units) plus one bias per unit.  Keras: kernel shape (input_shape[-1], units)
# (layers/core/dense.py); PyTorch: weight (out_features, in_features) — same count, transposed.
DENSE = Formula.of(add(mul(n_in, units), units))
DENSE_NO_BIAS = Formula.of(mul(n_in, units))
BILINEAR = Formula.of(add(mul(n_in1, n_in2, units), units))
BILINEAR_NO_BIAS = Formula.of(mul(n_in1, n_in2, units))

register_text(
    {
        "explain.dense": {
            "en": "{n_in} inputs × {units} units + {units} biases",
            "zh": "{n_in} 个输入 × {units} 个单元 + {units} 个偏置",
        },
        "explain.dense_no_bias": {
            "en": "{n_in} inputs × {units} units (no bias)",
            "zh": "{n_in} 个输入 × {units} 个单元（无偏置）",
        },
        "explain.bilinear": {
            "en": "{n_in1} × {n_in2} inputs, one {n_in1}×{n_in2} matrix per each of {units} outputs + {units} biases",
            "zh": "{n_in1} × {n_in2} 个输入，{units} 个输出各有一个 {n_in1}×{n_in2} 矩阵 + {units} 个偏置",
        },
        "note.dense_last_axis": {
            "en": "Dense acts on the last axis only: the same {n_in}×{units} kernel is applied at each of the {positions} positions of the other axes.",
            "zh": "Dense 只作用于最后一个轴：同一个 {n_in}×{units} 的核在其余轴的 {positions} 个位置上共享。",
        },
        "error.in_features": {
            "en": '{layer} expects {expected} input features, but the input has {got} (shape {shape}). In PyTorch this is "mat1 and mat2 shapes cannot be multiplied".',
            "zh": '{layer} 需要 {expected} 个输入特征，但输入有 {got} 个（形状 {shape}）。在 PyTorch 中这会报错 "mat1 and mat2 shapes cannot be multiplied"。',
        },
    }
)


def _dense(layer: str, n: int, u: int, bias: bool, shape: Shape, torch: bool) -> Derived:
    term = DENSE.bind(n_in=n, units=u) if bias else DENSE_NO_BIAS.bind(n_in=n, units=u)
    positions = per_example(shape)
    notes: tuple[Message, ...] = ()
    if len(shape) > 2:
        notes = (Message("note.dense_last_axis", {"n_in": n, "units": u, "positions": positions}),)
    key = "explain.dense" if bias else "explain.dense_no_bias"
    return Derived(
        output=(*shape[:-1], u),
        trainable=term,
        explanation=Message(key, {"n_in": n, "units": u}),
        macs=positions * n * u,
        notes=notes,
        weights=(Weight("weight", (u, n)) if torch else Weight("kernel", (n, u)),)
        + ((Weight("bias", (u,)),) if bias else ()),
    )


@register
class KerasDense(LayerKind):
    name = "Dense"
    framework = Framework.KERAS
    family = "dense"
    positional = ("units", "activation", "use_bias")
    defaults = {"use_bias": True, "activation": None}
    solvable = {"units": "shape", "n_in": "params"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs)
        n = known(self.name, shape[-1], "the input's last axis")
        return _dense(self.name, n, cfg.int("units"), cfg.bool("use_bias"), shape, torch=False)


@register
class TorchLinear(LayerKind):
    name = "Linear"
    framework = Framework.TORCH
    aliases = ("NonDynamicallyQuantizableLinear",)
    family = "dense"
    positional = ("in_features", "out_features", "bias")
    defaults = {"bias": True}
    solvable = {"in_features": "params", "out_features": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=1)
        n = cfg.int("in_features")
        if shape[-1] is not None and shape[-1] != n:
            raise ShapeError("error.in_features", layer=self.name, expected=n, got=shape[-1], shape=str(shape))
        return _dense(self.name, n, cfg.int("out_features"), cfg.bool("bias"), shape, torch=True)


@register
class TorchBilinear(LayerKind):
    name = "Bilinear"
    framework = Framework.TORCH
    family = "dense"
    positional = ("in1_features", "in2_features", "out_features", "bias")
    defaults = {"bias": True}
    min_inputs = max_inputs = 2

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        a, b = cfg.int("in1_features"), cfg.int("in2_features")
        u = cfg.int("out_features")
        first = inputs[0]
        values = {"n_in1": a, "n_in2": b, "units": u}
        term = BILINEAR.bind(**values) if cfg.bool("bias") else BILINEAR_NO_BIAS.bind(**values)
        return Derived(
            output=(*first[:-1], u),
            trainable=term,
            explanation=Message("explain.bilinear", values),
            macs=per_example(first) * a * b * u,
            weights=(Weight("weight", (u, a, b)),) + ((Weight("bias", (u,)),) if cfg.bool("bias") else ()),
        )
