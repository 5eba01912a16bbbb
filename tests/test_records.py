"""LayerSpec and LayerReport write their __init__ out (every field set at once, for speed): the same records
as the dataclass's generated __init__."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from calc.i18n import Message
from calc.model import NO_CONFIG, Inbound, LayerSpec
from calc.report import LayerReport, Status


def _plain_init(cls: type[Any]) -> Any:
    """The __init__ the dataclass decorator generates for the same fields."""
    fields = [
        (f.name, f.type, dataclasses.field(default=f.default, default_factory=f.default_factory))
        for f in dataclasses.fields(cls)
    ]
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=True).__init__


@pytest.mark.parametrize("cls", [LayerSpec, LayerReport])
def test_same_parameters_and_defaults(cls: type[Any]) -> None:
    """Every field is a parameter, in order, with the field's default (a factory's: NO_CONFIG)."""
    written = inspect.signature(cls.__init__).parameters
    generated = inspect.signature(_plain_init(cls)).parameters
    assert list(written) == list(generated)
    for f in dataclasses.fields(cls):
        assert written[f.name].kind == generated[f.name].kind
        if f.default is not dataclasses.MISSING:
            assert written[f.name].default is f.default
        elif f.default_factory is not dataclasses.MISSING:
            assert written[f.name].default is NO_CONFIG and f.default_factory is dict
        else:
            assert written[f.name].default is inspect.Parameter.empty


def _made_both_ways(cls: type[Any], *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    quick = cls(*args, **kwargs)
    plain = object.__new__(cls)
    _plain_init(cls)(plain, *args, **kwargs)
    return quick, plain


def test_a_layer_spec_is_the_same_record() -> None:
    kwargs: dict[str, Any] = {"name": "c", "depth": 1, "output_shape": (None, 3), "inbound": (Inbound("x"),)}
    for args, kw in [(("Conv2D",), kwargs), (("Dense", "d", 0, {"units": 4}), {}), ((), {"type": "ReLU"})]:
        quick, plain = _made_both_ways(LayerSpec, *args, **kw)
        assert quick == plain and repr(quick) == repr(plain) and vars(quick) == vars(plain)
        assert list(vars(quick)) == [f.name for f in dataclasses.fields(LayerSpec)]


def test_a_layer_report_is_the_same_record() -> None:
    quick, plain = _made_both_ways(LayerReport, "d", "Dense", 0, Status.OK, Message("x"), params=5)
    assert quick == plain and repr(quick) == repr(plain)


def test_default_factories_give_each_record_its_own_value() -> None:
    a, b = LayerSpec("Dense"), LayerSpec("Dense")
    assert a.config == {} and a.config is not b.config


def test_frozen_replace_and_asdict_still_work() -> None:
    spec = LayerSpec("Dense", "d", params=5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "e"  # type: ignore[misc]
    assert dataclasses.replace(spec, name="e") == LayerSpec("Dense", "e", params=5)
    assert dataclasses.asdict(spec)["params"] == 5


def test_wrong_arguments_are_refused_as_before() -> None:
    with pytest.raises(TypeError):
        LayerSpec()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        LayerSpec("Dense", colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        LayerSpec("Dense", type="Conv2D")  # type: ignore[misc]
