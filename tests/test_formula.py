"""Formula templates: written order, the three renderings, and that each renders what it computes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Expr, Integer, Pow

from calc.formula import Formula, Term, TermSum, add, group_digits, mul, sym
from tests.arith import arith, numbers

n_in, units = sym("n_in"), sym("units")
k_h, k_w, c_in, filters = sym("k_h"), sym("k_w"), sym("c_in"), sym("filters")


def test_dense_reads_in_written_order_with_separators() -> None:
    t = Formula.of(add(mul(n_in, units), units)).bind(n_in=86400, units=4)
    assert t.unicode == "86,400 × 4 + 4"
    assert t.plain == "86400*4 + 4"
    assert t.latex == r"86{,}400 \times 4 + 4"
    assert t.value == 345_604
    assert t.symbolic == "n_in × units + units"


def test_conv_uses_middle_dots_and_brackets() -> None:
    t = Formula.of(mul(add(mul(k_h, k_w, c_in), 1), filters)).bind(k_h=3, k_w=3, c_in=3, filters=32)
    assert t.unicode == "(3·3·3 + 1)·32"
    assert t.plain == "(3*3*3 + 1)*32"
    assert t.latex == r"\left(3 \cdot 3 \cdot 3 + 1\right) \cdot 32"
    assert t.value == 896


def test_structural_constants_use_middle_dot() -> None:
    t = Formula.of(mul(4, add(mul(units, add(n_in, units)), units))).bind(n_in=16, units=32)
    assert t.unicode == "4·(32·(16 + 32) + 32)"
    assert t.value == 6_272
    assert Formula.of(mul(2, c_in)).bind(c_in=64).unicode == "2·64"


def test_powers_and_subtraction_render_and_evaluate() -> None:
    e = add(mul(4, Pow(n_in, 2, evaluate=False)), mul(4, n_in), -3)
    t = Formula.of(e).bind(n_in=512)
    assert t.unicode == "4·512^2 + 4·512 - 3"
    assert t.plain == "4*512**2 + 4*512 - 3"
    assert t.value == 4 * 512**2 + 4 * 512 - 3 == arith(t.plain)


def test_template_is_compiled_once() -> None:
    e = add(mul(n_in, units), units)
    assert Formula.of(e) is Formula.of(add(mul(n_in, units), units))


def test_bind_rejects_missing_and_extra_names() -> None:
    f = Formula.of(add(mul(n_in, units), units))
    for bad in ({"n_in": 1}, {"n_in": 1, "units": 2, "other": 3}):
        try:
            f.bind(**bad)
        except KeyError:
            continue
        raise AssertionError(f"bind accepted {bad}")


def test_substituted_keeps_the_numbers_unevaluated() -> None:
    t = Formula.of(add(mul(n_in, units), units)).bind(n_in=86400, units=4)
    expr = t.substituted()
    assert int(expr.doit()) == 345_604
    assert Integer(86400) in expr.atoms(Integer)


def test_term_sum_joins_parts() -> None:
    two_c = Formula.of(mul(2, c_in))
    s = TermSum((two_c.bind(c_in=64), two_c.bind(c_in=64)))
    assert s.unicode == "2·64 + 2·64" and s.plain == "2*64 + 2*64" and s.value == 256


def test_group_digits() -> None:
    assert group_digits(14_930_092_800) == "14,930,092,800"
    assert group_digits(7) == "7"


# Random templates over a few symbols: whatever the shape of the tree, the plain rendering
# evaluates to the value and the Unicode rendering shows the same numbers in the same order.
NAMES = ["a", "b", "c", "d", "e"]


def _trees() -> st.SearchStrategy[Expr]:
    leaves = st.one_of(st.sampled_from(NAMES).map(sym), st.integers(1, 9).map(Integer))
    return st.recursive(
        leaves,
        lambda kids: st.one_of(
            st.lists(kids, min_size=2, max_size=4).map(lambda xs: add(*xs)),
            st.lists(kids, min_size=2, max_size=4).map(lambda xs: mul(*xs)),
            st.tuples(kids, st.integers(2, 3)).map(lambda p: Pow(p[0], Integer(p[1]), evaluate=False)),
        ),
        max_leaves=12,
    )


@settings(max_examples=200, deadline=None)
@given(tree=_trees(), values=st.lists(st.integers(1, 10**6), min_size=5, max_size=5))
def test_any_template_renders_what_it_computes(tree: Expr, values: list[int]) -> None:
    f = Formula(tree)
    t: Term = f.bind(**{name: v for name, v in zip(NAMES, values, strict=True) if name in f.names})
    assert arith(t.plain) == t.value
    assert numbers(t.unicode) == numbers(t.plain)
    assert numbers(t.latex.replace("{,}", ",")) == numbers(t.plain)
