"""Layers that only move values around: Flatten, Reshape, Permute, RepeatVector, padding, cropping,
upsampling, pixel shuffling, Identity and the model's input (Keras and PyTorch).

None of them has a weight: the output is the input's values rearranged, repeated, padded with
constants or interpolated, so the parameter count is 0 and there is no formula.  What each entry
derives is the output shape, with the arithmetic shown (``30 × 30 × 96 = 86,400``,
``224 + 3 + 3 = 230``), and MACs of 0.

The text helpers at the top are shared with :mod:`calc.catalog.pooling` and :mod:`calc.catalog.merge`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from calc.catalog.base import MAX_SIZE, Config, Derived, LayerKind, numel, register, single_input
from calc.errors import ConfigError, ShapeError
from calc.formula import group_digits
from calc.i18n import Message
from calc.i18n import register as register_text
from calc.types import Dim, Framework, Shape, format_shape

__all__ = [
    "axis_index",
    "dim_text",
    "dims_text",
    "keras_data_format",
    "num",
    "spatial_axes",
    "unique_join",
]

register_text(
    {
        "explain.flatten": {
            "en": "No weights to learn: Flatten only rearranges values — the {dims} = {total} values of each example become one vector of {total}.",
            "zh": "没有需要学习的权重：Flatten 只是重新排列数值——每个样本的 {dims} = {total} 个值排成一个长度为 {total} 的向量。",
        },
        "explain.flatten_vector": {
            "en": "No weights to learn: each example is already a vector of {total} values, so Flatten leaves it as it is.",
            "zh": "没有需要学习的权重：每个样本已经是长度为 {total} 的向量，Flatten 不作改变。",
        },
        "explain.flatten_scalar": {
            "en": "No weights to learn: each example is a single value; Flatten gives it an axis of length 1.",
            "zh": "没有需要学习的权重：每个样本只有一个值；Flatten 为它加上长度为 1 的轴。",
        },
        "explain.flatten_unknown": {
            "en": "No weights to learn: Flatten lays the {dims} values of each example out as one vector; its length is unknown because an axis is unknown.",
            "zh": "没有需要学习的权重：Flatten 把每个样本的 {dims} 个值排成一个向量；由于有未知的轴，向量长度未知。",
        },
        "explain.flatten_axes": {
            "en": "No weights to learn: Flatten merges axes {start} to {end} into one, {dims} = {total} values; the other axes stay.",
            "zh": "没有需要学习的权重：Flatten 把第 {start} 到第 {end} 轴合并为一个轴，{dims} = {total} 个值；其余轴不变。",
        },
        "explain.unflatten": {
            "en": "No weights to learn: Unflatten splits axis {dim} ({n} values) into {sizes}.",
            "zh": "没有需要学习的权重：Unflatten 把第 {dim} 轴（{n} 个值）拆分为 {sizes}。",
        },
        "explain.reshape": {
            "en": "No weights to learn: Reshape only rearranges the {total} values of each example, from {in_dims} to {out_dims}.",
            "zh": "没有需要学习的权重：Reshape 只是把每个样本的 {total} 个值从 {in_dims} 重新排列为 {out_dims}。",
        },
        "explain.reshape_infer": {
            "en": "No weights to learn: Reshape only rearranges the {total} values of each example, from {in_dims} to {out_dims}; the -1 becomes {total} / {known} = {value}.",
            "zh": "没有需要学习的权重：Reshape 只是把每个样本的 {total} 个值从 {in_dims} 重新排列为 {out_dims}；其中 -1 取 {total} / {known} = {value}。",
        },
        "explain.reshape_unknown": {
            "en": "No weights to learn: Reshape rearranges the values of each example into {out_dims}; the input has an unknown axis, so the count cannot be checked here.",
            "zh": "没有需要学习的权重：Reshape 把每个样本的值重新排列为 {out_dims}；输入有未知的轴，因此这里无法核对数值个数。",
        },
        "explain.permute": {
            "en": "No weights to learn: Permute only reorders the axes — dims={dims} (counted from 1, batch axis excluded) turns {in_dims} into {out_dims}.",
            "zh": "没有需要学习的权重：Permute 只是重新排列轴的顺序——dims={dims}（从 1 开始计数，不含批次轴）把 {in_dims} 变为 {out_dims}。",
        },
        "explain.repeat_vector": {
            "en": "No weights to learn: RepeatVector copies each example's vector of {features} values {n} times: {features} → {n} × {features}.",
            "zh": "没有需要学习的权重：RepeatVector 把每个样本长度为 {features} 的向量复制 {n} 次：{features} → {n} × {features}。",
        },
        "explain.pad": {
            "en": "No weights to learn: the layer pads the borders with {how}: {rules}.",
            "zh": "没有需要学习的权重：该层用{how}填充边界：{rules}。",
        },
        "explain.crop": {
            "en": "No weights to learn: Cropping removes values at the borders: {rules}.",
            "zh": "没有需要学习的权重：Cropping 去掉边界上的值：{rules}。",
        },
        "explain.upsample": {
            "en": "No weights to learn: the layer enlarges each axis by a fixed factor ({mode} interpolation): {rules}.",
            "zh": "没有需要学习的权重：该层按固定倍数放大各轴（{mode} 插值）：{rules}。",
        },
        "explain.upsample_size": {
            "en": "No weights to learn: the layer resizes to the given size ({mode} interpolation): {rules}.",
            "zh": "没有需要学习的权重：该层缩放到给定尺寸（{mode} 插值）：{rules}。",
        },
        "explain.pixel_shuffle": {
            "en": "No weights to learn: PixelShuffle moves channels into space — {c_in} channels = {c_out} × {r}², and each spatial axis grows {r}×: {rules}.",
            "zh": "没有需要学习的权重：PixelShuffle 把通道移入空间——{c_in} 个通道 = {c_out} × {r}²，每个空间轴放大 {r} 倍：{rules}。",
        },
        "explain.pixel_unshuffle": {
            "en": "No weights to learn: PixelUnshuffle moves space into channels — each spatial axis shrinks {r}× ({rules}) and the channels grow to {c_in} × {r}² = {c_out}.",
            "zh": "没有需要学习的权重：PixelUnshuffle 把空间移入通道——每个空间轴缩小 {r} 倍（{rules}），通道变为 {c_in} × {r}² = {c_out}。",
        },
        "explain.identity": {
            "en": "No weights to learn: Identity returns its input unchanged.",
            "zh": "没有需要学习的权重：Identity 原样返回输入。",
        },
        "explain.input": {
            "en": "No weights to learn: an input layer only declares the shape of the data entering the model, {shape} (None = any size, usually the batch).",
            "zh": "没有需要学习的权重：输入层只声明进入模型的数据形状 {shape}（None 表示任意大小，通常是批次大小）。",
        },
        "explain.input_fixed": {
            "en": "No weights to learn: an input layer only declares the shape of the data entering the model, {shape}.",
            "zh": "没有需要学习的权重：输入层只声明进入模型的数据形状 {shape}。",
        },
        "pad.zeros": {"en": "zeros", "zh": "零"},
        "pad.constant": {"en": "the constant {value}", "zh": "常数 {value} "},
        "pad.reflect": {"en": "a mirror image of the values next to the border (reflection)", "zh": "边界内侧数值的镜像（反射）"},
        "pad.replicate": {"en": "copies of the edge values (replication)", "zh": "边缘值的副本（复制）"},
        "pad.circular": {"en": "values wrapped around from the opposite side (circular)", "zh": "从另一侧环绕过来的值（循环）"},
        "note.flatten_order": {
            "en": "Keras flattens channels-last data in (height, width, channels) order, PyTorch in (channels, height, width) order: the length is the same, the order differs — it matters when porting Dense/Linear weights between them.",
            "zh": "Keras 按（高, 宽, 通道）顺序展平通道在后的数据，PyTorch 按（通道, 高, 宽）顺序：长度相同，顺序不同——在两者之间迁移 Dense/Linear 权重时要注意。",
        },
        "note.upsample_interpolation": {
            "en": "{mode} interpolation computes each new value as a weighted mix of its neighbours; that arithmetic uses no learned weights and is counted as 0 MACs here.",
            "zh": "{mode} 插值把每个新值算作相邻值的加权组合；这部分计算不涉及可学习的权重，这里记为 0 MACs。",
        },
        "error.axis": {
            "en": "{layer}: {name}={value} is not an axis of an input of rank {rank} (shape {shape}).",
            "zh": "{layer}：{name}={value} 不是秩为 {rank} 的输入（形状 {shape}）的有效轴。",
        },
        "error.flatten_dims": {
            "en": "{layer}: start_dim ({start}) comes after end_dim ({end}) for the input {shape}.",
            "zh": "{layer}：对输入 {shape}，start_dim（{start}）在 end_dim（{end}）之后。",
        },
        "error.reshape_size": {
            "en": "{layer}: cannot rearrange {total} values per example (input {shape}) into {target}, which holds {target_total}.",
            "zh": "{layer}：无法把每个样本的 {total} 个值（输入 {shape}）重新排列为 {target}，后者需要 {target_total} 个值。",
        },
        "error.reshape_infer": {
            "en": "{layer}: cannot fill in the -1 of {target}: {total} values per example (input {shape}) are not divisible by {known}.",
            "zh": "{layer}：无法确定 {target} 中的 -1：每个样本的 {total} 个值（输入 {shape}）不能被 {known} 整除。",
        },
        "error.reshape_target": {
            "en": "{layer}: {name}={value} is not valid; give positive sizes with at most one -1.",
            "zh": "{layer}：{name}={value} 无效；各维应为正整数，最多一个 -1。",
        },
        "error.permute": {
            "en": "{layer}: dims={dims} must list each of the axes 1 to {rank} once (the non-batch axes of {shape}).",
            "zh": "{layer}：dims={dims} 必须恰好包含 1 到 {rank} 的每个轴一次（即 {shape} 除批次外的轴）。",
        },
        "error.crop_too_big": {
            "en": "{layer}: cropping {before} + {after} from an axis of size {n} leaves nothing.",
            "zh": "{layer}：在长度为 {n} 的轴上裁掉 {before} + {after} 后什么也不剩。",
        },
        "error.pad_result": {
            "en": "{layer}: padding {before} and {after} on an axis of size {n} would leave size {size}.",
            "zh": "{layer}：在长度为 {n} 的轴上填充 {before} 和 {after} 后长度将为 {size}。",
        },
        "error.pad_reflect": {
            "en": "{layer}: reflection padding must be smaller than the axis it mirrors, but padding {pad} ≥ size {n}.",
            "zh": "{layer}：反射填充必须小于被镜像的轴长，但填充 {pad} ≥ 长度 {n}。",
        },
        "error.pad_circular": {
            "en": "{layer}: circular padding cannot wrap around more than once, but padding {pad} > size {n}.",
            "zh": "{layer}：循环填充不能环绕超过一圈，但填充 {pad} > 长度 {n}。",
        },
        "error.upsample_args": {
            "en": "{layer}: give exactly one of size and scale_factor.",
            "zh": "{layer}：size 和 scale_factor 必须且只能给出一个。",
        },
        "error.upsample_mode": {
            "en": "{layer}: mode \"{mode}\" needs an input of rank {need} (batch and channels included), but got {shape}.",
            "zh": "{layer}：mode \"{mode}\" 需要秩为 {need} 的输入（含批次和通道），但收到 {shape}。",
        },
        "error.upsample_empty": {
            "en": "{layer}: scaling an axis of {n} by {scale} gives {size}; the output must have at least 1.",
            "zh": "{layer}：把长度为 {n} 的轴缩放 {scale} 倍得到 {size}；输出至少应为 1。",
        },
        "error.pixel_shuffle": {
            "en": "{layer}: the channels ({c}) must be divisible by upscale_factor² = {r2}.",
            "zh": "{layer}：通道数（{c}）必须能被 upscale_factor² = {r2} 整除。",
        },
        "error.pixel_unshuffle": {
            "en": "{layer}: height and width ({h} × {w}) must be divisible by downscale_factor ({r}).",
            "zh": "{layer}：高和宽（{h} × {w}）必须能被 downscale_factor（{r}）整除。",
        },
        "error.unflatten": {
            "en": "{layer}: {sizes} does not multiply up to {n}, the size of axis {dim}.",
            "zh": "{layer}：{sizes} 的乘积不等于第 {dim} 轴的长度 {n}。",
        },
        "error.input_shape": {
            "en": "{layer}: give the input's shape (shape=…, batch_shape=… or batch_input_shape=…).",
            "zh": "{layer}：请给出输入的形状（shape=…、batch_shape=… 或 batch_input_shape=…）。",
        },
    }
)


# ---------------------------------------------------------------------------------------------
# Text and argument helpers (also used by pooling and merge).


def dim_text(d: Dim) -> str:
    """One axis for prose: ``86,400``, or ``None`` when unknown (as the frameworks print it)."""
    return "None" if d is None else group_digits(d)


def dims_text(dims: Iterable[Dim]) -> str:
    """``30 × 30 × 96``; an empty tuple (a scalar per example) is ``1``."""
    parts = [dim_text(d) for d in dims]
    return " × ".join(parts) if parts else "1"


def num(d: Dim) -> int | str:
    """A message argument: the int (shown with separators) or ``None``."""
    return "None" if d is None else d


def unique_join(parts: Iterable[str], sep: str = "; ") -> str:
    """Join per-axis rules, each distinct rule once (a square input needs its rule shown once)."""
    return sep.join(dict.fromkeys(parts))


def keras_data_format(cfg: Config) -> str:
    """Keras's ``data_format``; None means ``keras.config.image_data_format()``, "channels_last" unless changed."""
    return cfg.choice("data_format", ("channels_last", "channels_first"))


def spatial_axes(rank: int, n_spatial: int, channels_first: bool) -> tuple[int, ...]:
    """Indices of the spatial axes of a (batch, …) shape: after the batch axis for channels-last data,
    after batch and channels for channels-first data (PyTorch's layout, Keras's channels_first)."""
    start = 2 if channels_first else rank - 1 - n_spatial
    return tuple(range(start, start + n_spatial))


def axis_index(layer: str, name: str, value: int, shape: Shape) -> int:
    """A possibly negative axis of ``shape`` as a plain index (Python / framework convention)."""
    rank = len(shape)
    if not -rank <= value < rank:
        raise ShapeError("error.axis", layer=layer, name=name, value=value, rank=rank, shape=format_shape(shape))
    return value % rank


def _bad(layer: str, name: str, value: Any, expected: str) -> ConfigError:
    return ConfigError("error.config", layer=layer, name=name, value=repr(value), expected=expected)


def _whole(layer: str, name: str, value: Any, lo: int, whole: Any = None) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= MAX_SIZE:
        expected = "whole numbers (negative ones crop)" if lo < 0 else f"whole numbers from {lo:,}"
        raise _bad(layer, name, value if whole is None else whole, expected)
    return value


def keras_pairs(layer: str, name: str, value: Any, rank: int) -> tuple[tuple[int, int], ...]:
    """Keras padding / cropping (layers/reshaping/zero_padding2d.py, cropping2d.py): an int for every
    side; in 1D a pair (before, after); in 2D/3D one entry per axis, an int (both sides) or a pair."""
    if isinstance(value, (list, tuple)):
        if rank == 1:
            if len(value) != 2:
                raise _bad(layer, name, value, "an int or a pair (before, after)")
            return ((_whole(layer, name, value[0], 0, value), _whole(layer, name, value[1], 0, value)),)
        if len(value) != rank:
            raise _bad(layer, name, value, f"an int or {rank} entries, each an int or a pair (before, after)")
        pairs: list[tuple[int, int]] = []
        for v in value:
            if isinstance(v, (list, tuple)):
                if len(v) != 2:
                    raise _bad(layer, name, value, "pairs (before, after)")
                pairs.append((_whole(layer, name, v[0], 0, value), _whole(layer, name, v[1], 0, value)))
            else:
                a = _whole(layer, name, v, 0, value)
                pairs.append((a, a))
        return tuple(pairs)
    a = _whole(layer, name, value, 0)
    return ((a, a),) * rank


# ---------------------------------------------------------------------------------------------
# Flatten / Reshape / Permute / RepeatVector / Unflatten / Identity


def _flatten_explanation(dims: Sequence[Dim], total: Dim) -> Message:
    if not dims:
        return Message("explain.flatten_scalar")
    if total is None:
        return Message("explain.flatten_unknown", {"dims": dims_text(dims)})
    if len(dims) == 1:
        return Message("explain.flatten_vector", {"total": total})
    return Message("explain.flatten", {"dims": dims_text(dims), "total": total})


@register
class KerasFlatten(LayerKind):
    name = "Flatten"
    framework = Framework.KERAS
    family = "reshape"
    positional = ("data_format",)
    defaults = {"data_format": "channels_last"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # layers/reshaping/flatten.py: (batch, Π non-batch axes); no axes → 1; an unknown axis → None.
        # With channels_first it transposes to channels-last order first: same length.
        shape = single_input(self.name, inputs, min_rank=1)
        keras_data_format(cfg)
        rest = shape[1:]
        total = numel(rest) if rest else 1
        notes = (Message("note.flatten_order"),) if len(shape) >= 4 else ()
        return Derived(output=(shape[0], total), trainable=None, explanation=_flatten_explanation(rest, total),
                       notes=notes)


@register
class TorchFlatten(LayerKind):
    name = "Flatten"
    framework = Framework.TORCH
    family = "reshape"
    positional = ("start_dim", "end_dim")
    defaults = {"start_dim": 1, "end_dim": -1}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # torch.flatten: axes start_dim..end_dim (negative counts from the end) become one axis.
        shape = single_input(self.name, inputs, min_rank=1)
        start = axis_index(self.name, "start_dim", cfg.int("start_dim", lo=-64, hi=64), shape)
        end = axis_index(self.name, "end_dim", cfg.int("end_dim", lo=-64, hi=64), shape)
        if start > end:
            raise ShapeError("error.flatten_dims", layer=self.name, start=start, end=end, shape=format_shape(shape))
        merged = shape[start : end + 1]
        total = numel(merged)
        notes = (Message("note.flatten_order"),) if start <= 1 and len(shape) >= 4 and end == len(shape) - 1 else ()
        explanation = Message("explain.flatten_axes",
                              {"start": start, "end": end, "dims": dims_text(merged), "total": num(total)})
        return Derived(output=(*shape[:start], total, *shape[end + 1 :]), trainable=None,
                       explanation=explanation, notes=notes)


def _target(layer: str, name: str, value: Any) -> tuple[int, ...]:
    """A target shape: positive sizes and at most one -1."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError("error.reshape_target", layer=layer, name=name, value=repr(value))
    out: list[int] = []
    for v in value:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, int) or v == 0 or v < -1 or v > MAX_SIZE:
            raise ConfigError("error.reshape_target", layer=layer, name=name, value=repr(value))
        out.append(v)
    if out.count(-1) > 1:
        raise ConfigError("error.reshape_target", layer=layer, name=name, value=repr(value))
    return tuple(out)


def _fill(layer: str, dims: Sequence[Dim], target: tuple[int, ...], shape: Shape) -> tuple[tuple[Dim, ...], Message]:
    """Resolve a target shape against the input's values per example (Keras
    ops/operation_utils.py compute_reshape_output_shape; torch.reshape): the counts must match."""
    total = numel(dims)
    out_text = dims_text(d if d != -1 else None for d in target)
    if total is None:
        return tuple(None if d == -1 else d for d in target), Message("explain.reshape_unknown", {"out_dims": out_text})
    known = math.prod(d for d in target if d != -1)
    target_text = "(" + ", ".join(str(d) for d in target) + ")"
    if -1 not in target:
        if known != total:
            raise ShapeError("error.reshape_size", layer=layer, total=total, shape=format_shape(shape),
                             target=target_text, target_total=known)
        return target, Message("explain.reshape", {"total": total, "in_dims": dims_text(dims),
                                                    "out_dims": dims_text(target)})
    if total % known:
        raise ShapeError("error.reshape_infer", layer=layer, total=total, shape=format_shape(shape),
                         target=target_text, known=known)
    out = tuple(total // known if d == -1 else d for d in target)
    return out, Message("explain.reshape_infer", {"total": total, "in_dims": dims_text(dims),
                                                  "out_dims": dims_text(out), "known": known, "value": total // known})


@register
class KerasReshape(LayerKind):
    name = "Reshape"
    framework = Framework.KERAS
    family = "reshape"
    positional = ("target_shape",)
    solvable = {"target_shape": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # target_shape excludes the batch axis (layers/reshaping/reshape.py).
        shape = single_input(self.name, inputs, min_rank=1)
        raw = cfg.get("target_shape")
        if raw is None:
            raise ConfigError("error.config_missing", layer=self.name, name="target_shape")
        target = _target(self.name, "target_shape", raw)
        out, explanation = _fill(self.name, shape[1:], target, shape)
        return Derived(output=(shape[0], *out), trainable=None, explanation=explanation)


@register
class TorchUnflatten(LayerKind):
    name = "Unflatten"
    framework = Framework.TORCH
    family = "reshape"
    positional = ("dim", "unflattened_size")
    solvable = {"unflattened_size": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # torch.nn.Unflatten: axis `dim` becomes unflattened_size (one -1 may be inferred).
        shape = single_input(self.name, inputs, min_rank=1)
        dim = axis_index(self.name, "dim", cfg.int("dim", lo=-64, hi=64), shape)
        raw = cfg.get("unflattened_size")
        if raw is None:
            raise ConfigError("error.config_missing", layer=self.name, name="unflattened_size")
        sizes = _target(self.name, "unflattened_size", raw)
        n = shape[dim]
        if n is None:
            out: tuple[Dim, ...] = tuple(None if d == -1 else d for d in sizes)
        else:
            known = math.prod(d for d in sizes if d != -1)
            if (-1 in sizes and n % known) or (-1 not in sizes and known != n):
                raise ShapeError("error.unflatten", layer=self.name, sizes=str(sizes), n=n, dim=dim)
            out = tuple(n // known if d == -1 else d for d in sizes)
        explanation = Message("explain.unflatten", {"dim": dim, "n": num(n), "sizes": dims_text(out)})
        return Derived(output=(*shape[:dim], *out, *shape[dim + 1 :]), trainable=None, explanation=explanation)


@register
class KerasPermute(LayerKind):
    name = "Permute"
    framework = Framework.KERAS
    family = "reshape"
    positional = ("dims",)

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # layers/reshaping/permute.py: dims is a permutation of 1..rank-1 (the batch axis stays first).
        shape = single_input(self.name, inputs, min_rank=2)
        raw = cfg.get("dims")
        if raw is None:
            raise ConfigError("error.config_missing", layer=self.name, name="dims")
        dims = tuple(raw) if isinstance(raw, (list, tuple)) else (raw,)
        rank = len(shape) - 1
        if not all(isinstance(d, int) and not isinstance(d, bool) for d in dims) or sorted(dims) != list(
            range(1, rank + 1)
        ):
            raise ShapeError("error.permute", layer=self.name, dims=str(tuple(dims)), rank=rank,
                             shape=format_shape(shape))
        out = (shape[0], *(shape[d] for d in dims))
        explanation = Message("explain.permute", {"dims": str(tuple(dims)), "in_dims": dims_text(shape[1:]),
                                                  "out_dims": dims_text(out[1:])})
        return Derived(output=out, trainable=None, explanation=explanation)


@register
class KerasRepeatVector(LayerKind):
    name = "RepeatVector"
    framework = Framework.KERAS
    family = "reshape"
    positional = ("n",)
    solvable = {"n": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # layers/reshaping/repeat_vector.py: (batch, features) → (batch, n, features).
        shape = single_input(self.name, inputs, min_rank=2, max_rank=2)
        n = cfg.int("n")
        explanation = Message("explain.repeat_vector", {"features": num(shape[1]), "n": n})
        return Derived(output=(shape[0], n, shape[1]), trainable=None, explanation=explanation)


class _Identity(LayerKind):
    family = "reshape"

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        return Derived(output=inputs[0], trainable=None, explanation=Message("explain.identity"))


@register
class KerasIdentity(_Identity):
    name = "Identity"
    framework = Framework.KERAS


@register
class TorchIdentity(_Identity):
    # nn.Identity(*args, **kwargs) accepts and ignores any arguments.
    name = "Identity"
    framework = Framework.TORCH


# ---------------------------------------------------------------------------------------------
# The input layer


def _shape_value(layer: str, name: str, value: Any) -> tuple[Dim, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (list, tuple)):
        raise _bad(layer, name, value, "a shape such as (28, 28, 1)")
    return tuple(None if d is None else _whole(layer, name, d, 1, value) for d in value)


@register
class KerasInputLayer(LayerKind):
    name = "InputLayer"
    framework = Framework.KERAS
    aliases = ("Input",)
    family = "reshape"
    positional = ("shape", "batch_size", "dtype", "sparse")
    solvable = {"shape": "shape"}
    min_inputs = 0

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # layers/core/input_layer.py: batch_shape (Keras 3 config), batch_input_shape (tf.keras 2 config),
        # or shape / input_shape plus an optional batch_size.
        out: Shape
        if cfg.has("batch_shape"):
            out = _shape_value(self.name, "batch_shape", cfg.get("batch_shape"))
        elif cfg.has("batch_input_shape"):
            out = _shape_value(self.name, "batch_input_shape", cfg.get("batch_input_shape"))
        elif cfg.has("shape") or cfg.has("input_shape"):
            key = "shape" if cfg.has("shape") else "input_shape"
            batch = cfg.opt_int("batch_size") if cfg.has("batch_size") else None
            out = (batch, *_shape_value(self.name, key, cfg.get(key)))
        elif inputs:
            out = inputs[0]
        else:
            raise ConfigError("error.input_shape", layer=self.name)
        key = "explain.input" if None in out else "explain.input_fixed"
        return Derived(output=out, trainable=None, explanation=Message(key, {"shape": format_shape(out)}))


# ---------------------------------------------------------------------------------------------
# Padding and cropping


def _pad_rules(shape: Shape, axes: Sequence[int], pairs: Sequence[tuple[int, int]], layer: str) -> tuple[Shape, str]:
    out = list(shape)
    rules = []
    for ax, (a, b) in zip(axes, pairs, strict=True):
        n = shape[ax]
        if n is None:
            rules.append("None")
            continue
        size = n + a + b
        if size < 1:
            raise ShapeError("error.pad_result", layer=layer, before=a, after=b, n=n, size=size)
        out[ax] = size
        rules.append(f"{dim_text(n)} {'+' if a >= 0 else '−'} {group_digits(abs(a))} "
                     f"{'+' if b >= 0 else '−'} {group_digits(abs(b))} = {dim_text(size)}")
    return tuple(out), unique_join(rules)


class _KerasPadding(LayerKind):
    rank: ClassVar[int]
    framework = Framework.KERAS
    family = "reshape"
    positional: ClassVar[tuple[str, ...]] = ("padding", "data_format")
    solvable = {"padding": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # layers/reshaping/zero_padding{1,2,3}d.py: each spatial axis grows by before + after.
        shape = single_input(self.name, inputs, min_rank=self.rank + 2, max_rank=self.rank + 2)
        pairs = keras_pairs(self.name, "padding", cfg.get("padding"), self.rank)
        axes = spatial_axes(len(shape), self.rank, keras_data_format(cfg) == "channels_first")
        out, rules = _pad_rules(shape, axes, pairs, self.name)
        return Derived(output=out, trainable=None,
                       explanation=Message("explain.pad", {"how": Message("pad.zeros"), "rules": rules}))


@register
class KerasZeroPadding1D(_KerasPadding):
    name = "ZeroPadding1D"
    rank = 1
    defaults = {"padding": 1, "data_format": "channels_last"}


@register
class KerasZeroPadding2D(_KerasPadding):
    name = "ZeroPadding2D"
    rank = 2
    defaults = {"padding": ((1, 1), (1, 1)), "data_format": "channels_last"}


@register
class KerasZeroPadding3D(_KerasPadding):
    name = "ZeroPadding3D"
    rank = 3
    defaults = {"padding": ((1, 1), (1, 1), (1, 1)), "data_format": "channels_last"}


class _KerasCropping(LayerKind):
    rank: ClassVar[int]
    framework = Framework.KERAS
    family = "reshape"
    positional: ClassVar[tuple[str, ...]] = ("cropping", "data_format")
    solvable = {"cropping": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # layers/reshaping/cropping{1,2,3}d.py: each spatial axis loses before + after, and something
        # must remain.  Cropping1D has no data_format (always channels-last).
        shape = single_input(self.name, inputs, min_rank=self.rank + 2, max_rank=self.rank + 2)
        pairs = keras_pairs(self.name, "cropping", cfg.get("cropping"), self.rank)
        channels_first = self.rank > 1 and keras_data_format(cfg) == "channels_first"
        out = list(shape)
        rules = []
        for ax, (a, b) in zip(spatial_axes(len(shape), self.rank, channels_first), pairs, strict=True):
            n = shape[ax]
            if n is None:
                rules.append("None")
                continue
            if a + b >= n:
                raise ShapeError("error.crop_too_big", layer=self.name, before=a, after=b, n=n)
            out[ax] = n - a - b
            rules.append(f"{dim_text(n)} − {group_digits(a)} − {group_digits(b)} = {dim_text(n - a - b)}")
        return Derived(output=tuple(out), trainable=None,
                       explanation=Message("explain.crop", {"rules": unique_join(rules)}))


@register
class KerasCropping1D(_KerasCropping):
    name = "Cropping1D"
    rank = 1
    positional = ("cropping",)
    defaults = {"cropping": (1, 1)}


@register
class KerasCropping2D(_KerasCropping):
    name = "Cropping2D"
    rank = 2
    defaults = {"cropping": ((0, 0), (0, 0)), "data_format": "channels_last"}


@register
class KerasCropping3D(_KerasCropping):
    name = "Cropping3D"
    rank = 3
    defaults = {"cropping": ((1, 1), (1, 1), (1, 1)), "data_format": "channels_last"}


class _TorchPad(LayerKind):
    """torch.nn ZeroPad/ConstantPad/ReflectionPad/ReplicationPad/CircularPad{1,2,3}d.

    ``padding`` is an int or a tuple of 2·rank ints ordered from the LAST axis backwards:
    (left, right) for width, then (top, bottom) for height, then (front, back) for depth
    (torch/nn/modules/padding.py, torch.nn.functional.pad).  Negative values crop.
    """

    rank: ClassVar[int]
    mode: ClassVar[str]
    framework = Framework.TORCH
    family = "reshape"
    positional: ClassVar[tuple[str, ...]] = ("padding",)
    solvable = {"padding": "shape"}

    def _shape(self, inputs: tuple[Shape, ...]) -> Shape:
        # Constant padding works on any rank ≥ rank; the other modes take (C, *spatial) or (N, C, *spatial).
        if self.mode == "constant":
            return single_input(self.name, inputs, min_rank=self.rank)
        return single_input(self.name, inputs, min_rank=self.rank + 1, max_rank=self.rank + 2)

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = self._shape(inputs)
        raw = cfg.get("padding")
        if raw is None:
            raise ConfigError("error.config_missing", layer=self.name, name="padding")
        if isinstance(raw, (list, tuple)):
            if len(raw) != 2 * self.rank:
                raise _bad(self.name, "padding", raw, f"an int or {2 * self.rank} ints")
            flat = tuple(_whole(self.name, "padding", v, -MAX_SIZE, raw) for v in raw)
        else:
            flat = (_whole(self.name, "padding", raw, -MAX_SIZE),) * (2 * self.rank)
        # flat[0:2] pads the last axis, flat[2:4] the one before, ...; list axes in natural order.
        pairs = [(flat[2 * i], flat[2 * i + 1]) for i in range(self.rank)][::-1]
        axes = tuple(range(len(shape) - self.rank, len(shape)))
        for ax, (a, b) in zip(axes, pairs, strict=True):
            n = shape[ax]
            if n is None:
                continue
            if self.mode == "reflect" and max(a, b) >= n:
                raise ShapeError("error.pad_reflect", layer=self.name, pad=max(a, b), n=n)
            if self.mode == "circular" and max(a, b) > n:
                raise ShapeError("error.pad_circular", layer=self.name, pad=max(a, b), n=n)
        out, rules = _pad_rules(shape, axes, pairs, self.name)
        how = self._how(cfg)
        return Derived(output=out, trainable=None, explanation=Message("explain.pad", {"how": how, "rules": rules}))

    def _how(self, cfg: Config) -> Message:
        return Message({"reflect": "pad.reflect", "replicate": "pad.replicate", "circular": "pad.circular"}
                       .get(self.mode, "pad.zeros"))


class _TorchConstantPad(_TorchPad):
    mode = "constant"
    positional = ("padding", "value")

    def _how(self, cfg: Config) -> Message:
        value = cfg.get("value")
        if value is None or value == 0:
            return Message("pad.zeros")
        return Message("pad.constant", {"value": str(value)})


@register
class TorchZeroPad1d(_TorchPad):
    name = "ZeroPad1d"
    rank, mode = 1, "constant"


@register
class TorchZeroPad2d(_TorchPad):
    name = "ZeroPad2d"
    rank, mode = 2, "constant"


@register
class TorchZeroPad3d(_TorchPad):
    name = "ZeroPad3d"
    rank, mode = 3, "constant"


@register
class TorchConstantPad1d(_TorchConstantPad):
    name = "ConstantPad1d"
    rank = 1


@register
class TorchConstantPad2d(_TorchConstantPad):
    name = "ConstantPad2d"
    rank = 2


@register
class TorchConstantPad3d(_TorchConstantPad):
    name = "ConstantPad3d"
    rank = 3


@register
class TorchReflectionPad1d(_TorchPad):
    name = "ReflectionPad1d"
    rank, mode = 1, "reflect"


@register
class TorchReflectionPad2d(_TorchPad):
    name = "ReflectionPad2d"
    rank, mode = 2, "reflect"


@register
class TorchReflectionPad3d(_TorchPad):
    name = "ReflectionPad3d"
    rank, mode = 3, "reflect"


@register
class TorchReplicationPad1d(_TorchPad):
    name = "ReplicationPad1d"
    rank, mode = 1, "replicate"


@register
class TorchReplicationPad2d(_TorchPad):
    name = "ReplicationPad2d"
    rank, mode = 2, "replicate"


@register
class TorchReplicationPad3d(_TorchPad):
    name = "ReplicationPad3d"
    rank, mode = 3, "replicate"


@register
class TorchCircularPad1d(_TorchPad):
    name = "CircularPad1d"
    rank, mode = 1, "circular"


@register
class TorchCircularPad2d(_TorchPad):
    name = "CircularPad2d"
    rank, mode = 2, "circular"


@register
class TorchCircularPad3d(_TorchPad):
    name = "CircularPad3d"
    rank, mode = 3, "circular"


# ---------------------------------------------------------------------------------------------
# Upsampling and pixel shuffling


def _interpolation_notes(mode: str) -> tuple[Message, ...]:
    if mode.startswith("nearest"):
        return ()
    return (Message("note.upsample_interpolation", {"mode": mode}),)


class _KerasUpSampling(LayerKind):
    rank: ClassVar[int]
    framework = Framework.KERAS
    family = "reshape"
    positional: ClassVar[tuple[str, ...]] = ("size", "data_format", "interpolation")
    solvable = {"size": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # layers/reshaping/up_sampling{1,2,3}d.py: each spatial axis × size.  UpSampling1D has no
        # data_format; only UpSampling2D has an interpolation (nearest repeats, bilinear… interpolate).
        shape = single_input(self.name, inputs, min_rank=self.rank + 2, max_rank=self.rank + 2)
        size = cfg.ints("size", self.rank)
        channels_first = self.rank > 1 and keras_data_format(cfg) == "channels_first"
        mode = "nearest"
        if self.rank == 2:
            raw = cfg.get("interpolation")
            if not isinstance(raw, str):
                raise _bad(self.name, "interpolation", raw, "nearest / bilinear / bicubic / lanczos3 / lanczos5")
            mode = raw.lower()
        out = list(shape)
        rules = []
        for ax, f in zip(spatial_axes(len(shape), self.rank, channels_first), size, strict=True):
            n = shape[ax]
            out[ax] = None if n is None else n * f
            rules.append(f"{dim_text(n)} × {group_digits(f)} = {dim_text(out[ax])}")
        return Derived(output=tuple(out), trainable=None,
                       explanation=Message("explain.upsample", {"mode": mode, "rules": unique_join(rules)}),
                       notes=_interpolation_notes(mode))


@register
class KerasUpSampling1D(_KerasUpSampling):
    name = "UpSampling1D"
    rank = 1
    positional = ("size",)
    defaults = {"size": 2}


@register
class KerasUpSampling2D(_KerasUpSampling):
    name = "UpSampling2D"
    rank = 2
    defaults = {"size": (2, 2), "data_format": "channels_last", "interpolation": "nearest"}


@register
class KerasUpSampling3D(_KerasUpSampling):
    name = "UpSampling3D"
    rank = 3
    positional = ("size", "data_format")
    defaults = {"size": (2, 2, 2), "data_format": "channels_last"}


# Input rank each torch interpolation mode needs (torch.nn.functional.interpolate); None = 3 to 5.
_MODE_RANK: dict[str, int | None] = {
    "nearest": None, "nearest-exact": None, "area": None,
    "linear": 3, "bilinear": 4, "bicubic": 4, "lanczos": 4, "trilinear": 5,
}


def _scale(layer: str, value: Any, n_spatial: int) -> tuple[float, ...]:
    values = tuple(value) if isinstance(value, (list, tuple)) else (value,) * n_spatial
    if len(values) != n_spatial or any(
        isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= MAX_SIZE for v in values
    ):
        raise _bad(layer, "scale_factor", value, f"a positive number or {n_spatial} of them")
    return tuple(float(v) for v in values)


class _TorchUpsample(LayerKind):
    fixed_mode: ClassVar[str | None] = None
    framework = Framework.TORCH
    family = "reshape"
    positional: ClassVar[tuple[str, ...]] = ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor")
    defaults = {"mode": "nearest"}
    solvable = {"size": "shape", "scale_factor": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=3, max_rank=5)
        n_spatial = len(shape) - 2
        mode = self.fixed_mode or cfg.choice("mode", _MODE_RANK)
        need = _MODE_RANK[mode]
        if need is not None and len(shape) != need:
            raise ShapeError("error.upsample_mode", layer=self.name, mode=mode, need=need, shape=format_shape(shape))
        has_size, has_scale = cfg.has("size"), cfg.has("scale_factor")
        if has_size == has_scale:
            raise ConfigError("error.upsample_args", layer=self.name)
        axes = range(2, len(shape))
        out = list(shape)
        rules = []
        if has_size:
            # size: the output's spatial size, an int for every axis or one per axis.
            size = cfg.ints("size", n_spatial)
            for ax, s in zip(axes, size, strict=True):
                out[ax] = s
                rules.append(f"{dim_text(shape[ax])} → {group_digits(s)}")
            key = "explain.upsample_size"
        else:
            # scale_factor: ⌊n · scale⌋ in double precision (aten upsample compute_output_size).
            scales = _scale(self.name, cfg.get("scale_factor"), n_spatial)
            for ax, f in zip(axes, scales, strict=True):
                n = shape[ax]
                f_text = f"{f:g}"
                if n is None:
                    rules.append(f"None × {f_text} = None")
                    continue
                scaled = math.floor(n * f)
                if scaled < 1:
                    raise ShapeError("error.upsample_empty", layer=self.name, n=n, scale=f_text, size=scaled)
                out[ax] = scaled
                rules.append(f"{dim_text(n)} × {f_text} = {dim_text(scaled)}" if f.is_integer()
                             else f"⌊{dim_text(n)} × {f_text}⌋ = {dim_text(scaled)}")
            key = "explain.upsample"
        return Derived(output=tuple(out), trainable=None,
                       explanation=Message(key, {"mode": mode, "rules": unique_join(rules)}),
                       notes=_interpolation_notes(mode))


@register
class TorchUpsample(_TorchUpsample):
    name = "Upsample"


@register
class TorchUpsamplingNearest2d(_TorchUpsample):
    # Upsample(mode="nearest") under an older name; it accepts any rank Upsample does.
    name = "UpsamplingNearest2d"
    fixed_mode = "nearest"
    positional = ("size", "scale_factor")
    defaults = {}


@register
class TorchUpsamplingBilinear2d(_TorchUpsample):
    # Upsample(mode="bilinear", align_corners=True): 4-D input only.
    name = "UpsamplingBilinear2d"
    fixed_mode = "bilinear"
    positional = ("size", "scale_factor")
    defaults = {}


@register
class TorchPixelShuffle(LayerKind):
    name = "PixelShuffle"
    framework = Framework.TORCH
    family = "reshape"
    positional = ("upscale_factor",)
    solvable = {"upscale_factor": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # torch.nn.PixelShuffle: (*, C·r², H, W) → (*, C, H·r, W·r); C·r² must divide.
        shape = single_input(self.name, inputs, min_rank=3)
        r = cfg.int("upscale_factor")
        c, h, w = shape[-3:]
        if c is not None and c % (r * r):
            raise ShapeError("error.pixel_shuffle", layer=self.name, c=c, r2=r * r)
        c_out = None if c is None else c // (r * r)
        out = (*shape[:-3], c_out, None if h is None else h * r, None if w is None else w * r)
        rules = unique_join(f"{dim_text(n)} × {r} = {dim_text(m)}" for n, m in zip((h, w), out[-2:], strict=True))
        return Derived(output=out, trainable=None, explanation=Message(
            "explain.pixel_shuffle", {"c_in": num(c), "c_out": num(c_out), "r": r, "rules": rules}))


@register
class TorchPixelUnshuffle(LayerKind):
    name = "PixelUnshuffle"
    framework = Framework.TORCH
    family = "reshape"
    positional = ("downscale_factor",)
    solvable = {"downscale_factor": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # torch.nn.PixelUnshuffle: (*, C, H·r, W·r) → (*, C·r², H, W); H and W must divide by r.
        shape = single_input(self.name, inputs, min_rank=3)
        r = cfg.int("downscale_factor")
        c, h, w = shape[-3:]
        if any(d is not None and d % r for d in (h, w)):
            raise ShapeError("error.pixel_unshuffle", layer=self.name, h=dim_text(h), w=dim_text(w), r=r)
        c_out = None if c is None else c * r * r
        out = (*shape[:-3], c_out, None if h is None else h // r, None if w is None else w // r)
        rules = unique_join(f"{dim_text(n)} / {r} = {dim_text(m)}" for n, m in zip((h, w), out[-2:], strict=True))
        return Derived(output=out, trainable=None, explanation=Message(
            "explain.pixel_unshuffle", {"c_in": num(c), "c_out": num(c_out), "r": r, "rules": rules}))
