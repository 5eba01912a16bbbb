"""Candidate generators for PyTorch modules read from torchinfo / torchsummary tables or reprs."""

from __future__ import annotations

from collections.abc import Iterator

from calc.infer import Candidate, Evidence, generator
from calc.types import Framework, Shape

T = Framework.TORCH


def _out(ev: Evidence) -> Shape | None:
    out = ev.output
    while isinstance(out, list):
        out = out[0] if out else None
    return out


@generator(T, "Linear")
def linear(ev: Evidence) -> Iterator[Candidate]:
    out = _out(ev)
    inp = ev.inputs[0] if ev.inputs else None
    n = ev.config.get("in_features") or (inp[-1] if inp is not None else None)
    u = ev.config.get("out_features") or (out[-1] if out is not None else None)
    if u is None:
        return
    if n is None and ev.params is not None:
        for bias, per in ((True, ev.params - u), (False, ev.params)):
            if per > 0 and per % u == 0:
                yield Candidate(
                    {"in_features": per // u, "out_features": u, "bias": bias},
                    ("in_features", "bias"),
                    ((None, per // u),),
                )
        return
    if n is None:
        return
    given = ev.inputs if ev.inputs else ((None, n),)
    yield Candidate({"in_features": n, "out_features": u, "bias": True}, ("in_features", "out_features"), given)
    yield Candidate(
        {"in_features": n, "out_features": u, "bias": False}, ("in_features", "out_features", "bias"), given
    )
