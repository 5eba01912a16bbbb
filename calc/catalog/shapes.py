"""Output-length rules of sliding windows, per framework, shared by convolutions and pooling.

Unknown lengths (None) stay unknown.  A rule that yields a length below 1 raises ShapeError:
the frameworks refuse such layers too.
"""

from __future__ import annotations

from calc.errors import ConfigError, ShapeError
from calc.types import Dim

__all__ = [
    "keras_conv_len",
    "keras_pool_len",
    "keras_transpose_len",
    "torch_conv_len",
    "torch_pool_len",
    "torch_transpose_len",
]


def _checked(layer: str, size: int, n: int, k: int) -> int:
    if size < 1:
        raise ShapeError("error.empty_output", layer=layer, size=size, n=n, k=k)
    return size


def keras_conv_len(layer: str, n: Dim, k: int, s: int, d: int, padding: str) -> Dim:
    """Keras (ops/operation_utils.py compute_conv_output_shape): valid ⌊(n − d(k−1) − 1)/s⌋ + 1;
    same and causal ⌊(n − 1)/s⌋ + 1 = ⌈n/s⌉."""
    if n is None:
        return None
    if padding == "valid":
        return _checked(layer, (n - d * (k - 1) - 1) // s + 1, n, k)
    if padding in ("same", "causal"):
        return _checked(layer, (n - 1) // s + 1, n, k)
    raise ConfigError("error.config", layer=layer, name="padding", value=repr(padding), expected="valid / same / causal")


def keras_pool_len(layer: str, n: Dim, p: int, s: int, padding: str) -> Dim:
    """Keras pooling (operation_utils.py compute_pooling_output_shape): valid ⌊(n − p)/s⌋ + 1; same ⌈n/s⌉."""
    if n is None:
        return None
    if padding == "valid":
        return _checked(layer, (n - p) // s + 1, n, p)
    if padding == "same":
        return _checked(layer, (n - 1) // s + 1, n, p)
    raise ConfigError("error.config", layer=layer, name="padding", value=repr(padding), expected="valid / same")


def keras_transpose_len(layer: str, n: Dim, k: int, s: int, d: int, padding: str, output_padding: int | None) -> Dim:
    """Keras transposed conv (backend/common/backend_utils.py): with output_padding None,
    valid (n−1)s + max(k_eff, s), same n·s; with output_padding, (n−1)s + k_eff − 2·pad + output_padding
    where pad is 0 for valid and ⌊k_eff/2⌋ for same."""
    if n is None:
        return None
    k_eff = k + (k - 1) * (d - 1)
    if padding not in ("valid", "same"):
        raise ConfigError("error.config", layer=layer, name="padding", value=repr(padding), expected="valid / same")
    if output_padding is None:
        size = (n - 1) * s + max(k_eff, s) if padding == "valid" else n * s
    else:
        pad = 0 if padding == "valid" else k_eff // 2
        size = (n - 1) * s + k_eff - 2 * pad + output_padding
    return _checked(layer, size, n, k)


def torch_conv_len(layer: str, n: Dim, k: int, s: int, p: int, d: int) -> Dim:
    """PyTorch Conv: ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1."""
    if n is None:
        return None
    return _checked(layer, (n + 2 * p - d * (k - 1) - 1) // s + 1, n, k)


def torch_pool_len(layer: str, n: Dim, k: int, s: int, p: int, d: int, ceil_mode: bool) -> Dim:
    """PyTorch MaxPool/AvgPool: like Conv, with ⌈⌉ in ceil_mode, where a last window that would
    start inside the right padding is dropped (torch/nn/functional pooling_output_shape)."""
    if n is None:
        return None
    span = n + 2 * p - d * (k - 1) - 1
    if ceil_mode:
        size = -(-span // s) + 1
        if (size - 1) * s >= n + p:
            size -= 1
    else:
        size = span // s + 1
    return _checked(layer, size, n, k)


def torch_transpose_len(layer: str, n: Dim, k: int, s: int, p: int, d: int, output_padding: int) -> Dim:
    """PyTorch ConvTranspose: (n − 1)s − 2p + d(k − 1) + output_padding + 1."""
    if n is None:
        return None
    return _checked(layer, (n - 1) * s - 2 * p + d * (k - 1) + output_padding + 1, n, k)
