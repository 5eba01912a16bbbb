"""Vocabulary shared by the whole calculator: frameworks and tensor shapes."""

from __future__ import annotations

from enum import StrEnum
from typing import Union

__all__ = ["Dim", "Framework", "Shape", "ShapeTree", "format_shape"]


class Framework(StrEnum):
    """Whose rules a layer follows.  Keras means Keras 3 (and tf.keras 2, which agrees on counts)."""

    KERAS = "keras"
    TORCH = "torch"


Dim = int | None
"""One axis: a size, or None when unknown (the batch axis, a variable sequence length)."""

Shape = tuple[Dim, ...]
"""A tensor shape *including* the batch axis, as the frameworks print it: ``(None, 254, 254, 32)``."""

ShapeTree = Union[Shape, list["ShapeTree"]]  # noqa: UP007  (a recursive alias needs the string form)
"""A layer's output: one shape (a tuple), or several (a list), nested as the framework nests them
(torch LSTM: ``[out, [h_n, c_n]]``)."""


def format_shape(shape: ShapeTree | None) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(format_shape(s) for s in shape) + "]"
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
