"""calc.derive over the whole corpus (every model, every way a text shows it), the seed question, edited
numbers, cut and narrow tables, and each known cause of a difference in the totals.

The acceptance figures are measured over every corpus model and spec variant (tests/specs.py) and
asserted; the assertion messages print them.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calc.derive import derive_model
from calc.findings import Severity
from calc.model import Format, Inbound, LayerSpec, ModelSpec, SymbolRef
from calc.report import LayerReport, Report, Status
from calc.types import Framework, Shape
from tests.corpus import CORPUS, FIXTURES, load, model_ids
from tests.specs import Built, all_built, keras_spec, shape_tree, torchinfo_spec, variants

K, T = Framework.KERAS, Framework.TORCH
OK_STATUSES = (Status.OK, Status.INFERRED)


# --- the corpus, measured --------------------------------------------------------------------


@dataclass
class Measured:
    models: set[str] = field(default_factory=set)
    variants: Counter[str] = field(default_factory=Counter)
    layers: int = 0
    right: int = 0
    wrong_ok: list[str] = field(default_factory=list)
    not_right: list[str] = field(default_factory=list)
    totals: list[str] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)
    shapes: list[str] = field(default_factory=list)
    kernels: int = 0
    kernels_right: int = 0
    kernel_misses: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{len(self.models)} models, {sum(self.variants.values())} specs {dict(self.variants)}: "
                f"params right for {self.right}/{self.layers} layers = {100 * self.right / self.layers:.2f} %, "
                f"{len(self.wrong_ok)} ok/inferred with a wrong count, {len(self.totals)} totals/splits off, "
                f"square odd kernels right {self.kernels_right}/{self.kernels} = "
                f"{100 * self.kernels_right / max(self.kernels, 1):.2f} %")


def _kernel(value: object, rank: int) -> tuple[int, ...] | None:
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    if isinstance(value, int):
        return (value,) * rank
    return None


def _same(a: object, b: object) -> bool:
    """Shapes equal where both say something (None = unknown); a table printing one shape for a layer with
    several outputs shows the first (torchinfo)."""
    if isinstance(a, list) and isinstance(b, tuple):
        return bool(a) and _same(a[0], b)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a is None or b is None


@cache
def measured() -> Measured:
    m = Measured()
    for built in all_built():
        m.models.add(built.model)
        m.variants[built.variant] += 1
        report = derive_model(built.spec)
        for row, truth, ls in zip(report.layers, built.truth, built.spec.layers, strict=True):
            where = f"{built}:{truth.name} ({truth.type})"
            if truth.leaf:
                m.layers += 1
                if row.params == truth.params:
                    m.right += 1
                else:
                    m.not_right.append(f"{where}: {row.params} ({row.status}) != {truth.params}")
                if row.status in OK_STATUSES and row.params != truth.params:
                    m.wrong_ok.append(f"{where}: {row.status} {row.params} != {truth.params}")
            elif row.params is not None and row.params != truth.params:
                m.containers.append(f"{where}: {row.params} != {truth.params}")
            if ls.output_shape is not None and row.calc is not None and not _same(row.output_shape,
                                                                                 ls.output_shape):
                m.shapes.append(f"{where}: {row.output_shape} != {ls.output_shape}")
            rank = len(truth.kernel or ())
            if (truth.leaf and truth.type in ("Conv1D", "Conv2D", "Conv3D") and truth.kernel
                    and len(set(truth.kernel)) == 1 and truth.kernel[0] % 2 == 1):
                m.kernels += 1
                got = _kernel(row.config.get("kernel_size"), rank)
                if got == truth.kernel:
                    m.kernels_right += 1
                else:
                    m.kernel_misses.append(f"{where}: {got} != {truth.kernel}")
        if (report.total_params, report.trainable_params, report.non_trainable_params) != (
                built.total, built.trainable, built.non_trainable):
            m.totals.append(f"{built}: {report.total_params} ({report.trainable_params} + "
                            f"{report.non_trainable_params}) != {built.total} ({built.trainable} + "
                            f"{built.non_trainable})")
    return m


def test_every_model_and_variant_is_measured() -> None:
    m = measured()
    assert len(m.models) == len(model_ids("k3_") + model_ids("tfk2_") + model_ids("pt_")) == 261
    assert set(m.variants) == {"keras", "expanded", "collapsed", "torchinfo", "torchinfo_depth99",
                               "torchinfo_cols", "repr"}


def test_per_layer_params_equal_the_truth() -> None:
    m = measured()
    assert m.right / m.layers >= 0.995, m.summary() + "\n" + "\n".join(m.not_right[:20])


def test_no_layer_is_ok_or_inferred_with_a_wrong_count() -> None:
    m = measured()
    assert not m.wrong_ok, m.summary() + "\n" + "\n".join(m.wrong_ok[:20])


def test_totals_and_trainable_split_equal_the_truth_for_every_model() -> None:
    m = measured()
    assert not m.totals, m.summary() + "\n" + "\n".join(m.totals[:20])


def test_containers_add_up_to_the_truth() -> None:
    m = measured()
    assert not m.containers, "\n".join(m.containers[:20])


def test_derived_output_shapes_agree_with_the_printed_ones() -> None:
    m = measured()
    assert not m.shapes, "\n".join(m.shapes[:20])


def test_kernel_sizes_are_inferred() -> None:
    m = measured()
    assert m.kernels > 1000
    assert m.kernels_right / m.kernels >= 0.95, m.summary() + "\n" + "\n".join(m.kernel_misses[:20])


def test_the_only_layers_not_derived_are_collapsed_containers() -> None:
    """Everything that is not right is a nested model printed as one row (its count is taken on trust)."""
    m = measured()
    assert all("(Sequential)" in line for line in m.not_right), "\n".join(m.not_right)


_TORCHINFO_ROW = re.compile(r"^(?:[│|] {4})*(?:[├└]─)?([A-Za-z_]\w*)(?:: (\d+)-\d+)?\s")


def test_torchinfo_specs_list_what_torchinfo_prints() -> None:
    """tests/specs.py lists modules in named_modules() order; torchinfo prints forward-call order.  They agree
    except in ResNet-18 (each BasicBlock calls its ReLU twice, torchinfo prints both calls) and in
    TransformerEncoderLayer (forward runs dropout1 and norm1 before linear1)."""
    differ = []
    for mid in model_ids("pt_"):
        lines = (CORPUS / f"{mid}.torchinfo.txt").read_text().splitlines()
        rules = [i for i, line in enumerate(lines) if line.startswith("=")]
        printed = []
        for line in lines[rules[1] + 1: rules[2]]:
            match = _TORCHINFO_ROW.match(line)
            if match:
                printed.append((match.group(1), int(match.group(2) or 0)))
        mine = [(ls.type, ls.depth) for ls in torchinfo_spec(mid).spec.layers]
        if printed != mine:
            differ.append(mid)
            assert sorted(set(printed)) == sorted(set(mine)), mid
    assert differ == ["pt_resnet18_basicblock", "pt_transformer_encoder_layer"]


def test_the_keras_parsers_output_derives_the_same() -> None:
    """Every Keras 3 and tf.keras summary text in the corpus, read by the real parsers (120 and 80 columns,
    nested models expanded or not): the same acceptance as the specs built from the JSON."""
    from calc.parse import keras2, keras3
    from tests.parse.keras_truth import model_id, summary_files, truth_rows

    rows = right = 0
    problems: list[str] = []
    for prefix, parser in (("k3_", keras3), ("tfk2_", keras2)):
        for path in summary_files(prefix):
            report = derive_model(parser.parse(path.read_text()))
            truth = truth_rows(path)
            assert len(report.layers) == len(truth), path.name
            for row, (_, layer) in zip(report.layers, truth, strict=True):
                if "layers" in layer and ".expand_nested." in path.name:
                    continue
                rows += 1
                right += row.params == layer["params"]
                if row.status in OK_STATUSES and row.params != layer["params"]:
                    problems.append(f"{path.name}:{layer['name']} {row.status} {row.params} != {layer['params']}")
            d = load(model_id(path))
            if (report.total_params, report.trainable_params) != (d["total_params"], d["trainable_params"]):
                problems.append(f"{path.name}: totals {report.total_params}, {report.trainable_params}")
    assert not problems, "\n".join(problems[:20])
    assert right / rows >= 0.995, f"{right}/{rows}"


# --- the seed question -----------------------------------------------------------------------

SEED_ROWS = [
    ("conv2d_4", "Conv2D", (None, 254, 254, 32), 896),
    ("activation_4", "Activation", (None, 254, 254, 32), 0),
    ("max_pooling2d_4", "MaxPooling2", (None, 127, 127, 32), 0),
    ("dropout_4", "Dropout", (None, 127, 127, 32), 0),
    ("conv2d_5", "Conv2D", (None, 125, 125, 64), 18496),
    ("activation_5", "Activation", (None, 125, 125, 64), 0),
    ("max_pooling2d_5", "MaxPooling2", (None, 62, 62, 64), 0),
    ("dropout_5", "Dropout", (None, 62, 62, 64), 0),
    ("conv2d_6", "Conv2D", (None, 60, 60, 96), 55392),
    ("activation_6", "Activation", (None, 60, 60, 96), 0),
    ("max_pooling2d_6", "MaxPooling2", (None, 30, 30, 96), 0),
    ("dropout_6", "Dropout", (None, 30, 30, 96), 0),
    ("flatten_2", "Flatten", (None, 86400), 0),
    ("activation_7", "Activation", (None, 86400), 0),
    ("dropout_7", "Dropout", (None, 86400), 0),
    ("dense_2", "Dense", (None, 4), 345604),
    ("activation_8", "Activation", (None, 4), 0),
]


def seed_spec(rows: list[tuple[str, str, Shape, int]] | None = None, total: int | None = 420_388) -> ModelSpec:
    """The summary in the seed question (Keras 1/2 layout; ``MaxPooling2`` is the type cut by the column)."""
    layers = tuple(
        LayerSpec(type=typ, name=name, output_shape=shape, params=params, line=i + 1,
                  resolved_type="MaxPooling2D" if typ == "MaxPooling2" else None)
        for i, (name, typ, shape, params) in enumerate(rows or SEED_ROWS)
    )
    return ModelSpec(Format.KERAS2, K, layers, total_params=total, trainable_params=total, non_trainable_params=0)


def _row(report: Report, name: str) -> LayerReport:
    return next(r for r in report.layers if r.name == name)


def test_seed_summary_line_by_line() -> None:
    report = derive_model(seed_spec())
    first = _row(report, "conv2d_4")
    assert first.status is Status.INFERRED
    assert first.params == 896 and first.formula is not None
    assert first.formula.unicode == "(3·3·3 + 1)·32"
    assert first.config["kernel_size"] == (3, 3)
    assert first.calc is not None and first.calc.inputs == ((None, 256, 256, 3),)
    assert {"kernel_size", "input_shape"} <= set(first.inferred)
    assert not first.undetermined  # 3×3 × 3 channels is the one plausible reading of 27
    for name, formula in (("conv2d_5", "(3·3·32 + 1)·64"), ("conv2d_6", "(3·3·64 + 1)·96")):
        row = _row(report, name)
        assert row.status is Status.INFERRED and row.formula is not None and row.formula.unicode == formula
        assert row.config["kernel_size"] == (3, 3)
    assert _row(report, "conv2d_5").params == 18_496 and _row(report, "conv2d_6").params == 55_392
    flatten = _row(report, "flatten_2")
    assert flatten.status is Status.OK and flatten.params == 0
    assert "30 × 30 × 96 = 86,400" in flatten.explanation.render()
    dense = _row(report, "dense_2")
    assert dense.status is Status.OK and dense.params == 345_604
    assert dense.formula is not None and dense.formula.unicode == "86,400 × 4 + 4"
    assert dense.formula.plain == "86400*4 + 4"
    for row in report.layers:
        if row.type in ("Activation", "MaxPooling2", "Dropout"):
            assert row.status is Status.OK and row.params == 0, row
    assert _row(report, "max_pooling2d_4").config["pool_size"] == (2, 2)
    assert report.total_params == report.reported_total == 420_388
    assert report.trainable_params == 420_388 and report.non_trainable_params == 0
    assert not [f for f in report.findings if f.severity is Severity.ERROR]


def test_seed_summary_through_the_keras2_parser() -> None:
    from calc.parse import keras2

    spec = keras2.parse((FIXTURES / "seed_summary.txt").read_text())
    report = derive_model(spec)
    assert [r.params for r in report.layers] == [p for *_, p in SEED_ROWS]
    assert report.total_params == 420_388
    assert _row(report, "conv2d_4").calc.inputs == ((None, 256, 256, 3),)  # type: ignore[union-attr]


# --- one number changed ----------------------------------------------------------------------


def _edit_row(built: Built, index: int, params: int) -> ModelSpec:
    layers = list(built.spec.layers)
    layers[index] = dataclasses.replace(layers[index], params=params)
    return dataclasses.replace(built.spec, layers=tuple(layers))


def _errors(report: Report) -> list[str]:
    return [f"{f.code}:{f.layer}" for f in report.findings if f.severity is Severity.ERROR]


def _editable(built: Built, kinds: tuple[str, ...]) -> Iterator[int]:
    """Rows of these kinds whose input the table shows (not the first row of a Sequential summary), a few
    per model, spread over it."""
    base = derive_model(built.spec)
    rows = [i for i, (r, ls) in enumerate(zip(base.layers, built.spec.layers, strict=True))
            if ls.type in kinds and (ls.params or 0) > 0 and "input_shape" not in r.inferred
            and "in_features" not in r.inferred]
    step = max(1, len(rows) // 4)
    yield from rows[::step]


EDIT_MODELS = model_ids("k3_") + model_ids("tfk2_") + model_ids("pt_")


def _edit_specs(model_id: str) -> list[Built]:
    return [torchinfo_spec(model_id, depth_limit=99)] if model_id.startswith("pt_") else [variants(model_id)[0]]


@pytest.mark.parametrize("model_id", EDIT_MODELS)
def test_a_changed_layer_count_is_that_layer_only(model_id: str) -> None:
    """A Dense/Linear or BatchNormalization count changed by one: that row alone is a mismatch, and its
    params hold the right value; every other row and the totals are as before."""
    edited_any = False
    for built in _edit_specs(model_id):
        base = derive_model(built.spec)
        for kinds in (("Dense", "Linear"), ("BatchNormalization", "BatchNorm2d", "BatchNorm1d")):
            for i in _editable(built, kinds):
                truth = built.truth[i].params
                assert truth is not None
                report = derive_model(_edit_row(built, i, truth + 1))
                changed = [j for j, (a, b) in enumerate(zip(base.layers, report.layers, strict=True))
                           if a.status != b.status or a.params != b.params]
                assert changed == [i], (built, i, [(report.layers[j].name, report.layers[j].status) for j in changed])
                row = report.layers[i]
                assert row.status is Status.MISMATCH and row.params == truth
                assert set(_errors(report)) == {f"derive.mismatch:{row.name or row.type}"}
                assert report.total_params == built.total
                edited_any = True
    if not edited_any:
        pytest.skip("no Dense/Linear or BatchNormalization row with a shown input")


@pytest.mark.parametrize("model_id", EDIT_MODELS)
def test_a_changed_total_is_the_total_only(model_id: str) -> None:
    built = _edit_specs(model_id)[0]
    base = derive_model(built.spec)
    spec = dataclasses.replace(built.spec, total_params=built.total + 1)
    report = derive_model(spec)
    assert [(r.status, r.params) for r in report.layers] == [(r.status, r.params) for r in base.layers]
    assert _errors(report) == ["derive.total_mismatch:None"]
    assert report.total_params == built.total  # layerbot's own total: the right one
    mismatch = next(f for f in report.findings if f.code == "derive.total_mismatch")
    assert f"{built.total:,}" in mismatch.message.render() and f"{built.total + 1:,}" in mismatch.message.render()


def test_a_changed_trainable_count_is_reported() -> None:
    built = keras_spec("k3_app_vgg16")
    spec = dataclasses.replace(built.spec, trainable_params=built.trainable - 5)
    report = derive_model(spec)
    assert _errors(report) == ["derive.split_mismatch:None"]


def test_the_seed_with_one_changed_number() -> None:
    rows = [(n, t, s, 345_605 if n == "dense_2" else p) for n, t, s, p in SEED_ROWS]
    report = derive_model(seed_spec(rows))
    dense = _row(report, "dense_2")
    assert dense.status is Status.MISMATCH and dense.params == 345_604 and dense.reported_params == 345_605
    assert [r.name for r in report.layers if r.status is Status.MISMATCH] == ["dense_2"]
    text = next(f for f in report.findings if f.code == "derive.mismatch").message.render()
    assert "345,605" in text and "86,400 × 4 + 4" in text
    assert report.total_params == 420_388 and not [f for f in report.findings if f.code == "derive.total_mismatch"]


def test_a_printed_shape_no_configuration_gives_is_that_layer_only() -> None:
    rows = [(n, t, (None, 127, 127, 33) if n == "dropout_4" else s, p) for n, t, s, p in SEED_ROWS]
    report = derive_model(seed_spec(rows))
    assert [r.name for r in report.layers if r.status is Status.MISMATCH] == ["dropout_4"]
    assert _row(report, "conv2d_5").params == 18_496  # the next layer reads what dropout_4 really gives
    assert [f.code for f in report.findings if f.severity is Severity.ERROR] == ["derive.shape_mismatch"]


# --- cut and narrow tables -------------------------------------------------------------------


CUT_MODELS = ["k3_app_densenet121", "tfk2_func_transformer_encoder", "k3_func_siamese_shared",
              "k3_func_nested_sequential", "pt_resnet18_basicblock", "pt_lstm_classifier_bidir", "k3_rand_005"]


@pytest.mark.parametrize("model_id", CUT_MODELS)
def test_a_table_cut_mid_way_gets_a_report_for_what_is_there(model_id: str) -> None:
    for built in variants(model_id)[:1] + ([torchinfo_spec(model_id, depth_limit=99)] if model_id.startswith(
            "pt_") else []):
        base = derive_model(built.spec)
        n = len(built.spec.layers) // 2 + 1
        from calc.findings import Finding
        from calc.i18n import Message

        cut = dataclasses.replace(
            built.spec, layers=built.spec.layers[:n], total_params=None, trainable_params=None,
            non_trainable_params=None,
            findings=(Finding(Severity.WARNING, "parse.truncated", Message("parse.keras.truncated", {"rows": n})),))
        report = derive_model(cut)
        assert len(report.layers) == n
        assert not _errors(report)
        for a, b in zip(base.layers, report.layers, strict=False):
            if a.is_container:
                assert b.status in (a.status, Status.UNKNOWN)  # a container the cut runs through
            else:
                assert (a.status, a.params) == (b.status, b.params), (a.name, a.type)


WEIGHTLESS = {"Activation", "Dropout", "ReLU", "Flatten", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D",
              "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
              "GlobalMaxPooling2D", "Add", "Multiply", "Concatenate", "ZeroPadding2D", "Reshape", "InputLayer",
              "Tanh", "SiLU", "GELU", "LeakyReLU", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Dropout2d"}


def test_a_narrow_table_without_the_param_column_derives_what_the_shapes_allow() -> None:
    """Every corpus model with the counts removed (a Keras 3 table too narrow for "Param #"): a report
    for every row; layers without weights are ok with 0; no row is ok or inferred with a wrong count
    (where the shapes leave the count open the row is unknown, with the most plausible value and a
    finding that says what else fits)."""
    rows = right = 0
    statuses: Counter[Status] = Counter()
    for built in all_built():
        if built.variant == "repr":
            continue
        spec = dataclasses.replace(built.spec, layers=tuple(dataclasses.replace(ls, params=None)
                                                            for ls in built.spec.layers))
        report = derive_model(spec)
        assert len(report.layers) == len(spec.layers)
        for row, truth in zip(report.layers, built.truth, strict=True):
            if not truth.leaf:
                continue
            rows += 1
            statuses[row.status] += 1
            right += row.params == truth.params
            assert row.status is not Status.MISMATCH, (built, truth.name)
            if row.status in OK_STATUSES:
                assert row.params == truth.params, (built, truth.name, row.params, truth.params)
            if row.type in WEIGHTLESS:
                assert row.status in OK_STATUSES and row.params == 0, (built, truth.name)
            if row.status is Status.UNKNOWN and row.params is not None:
                assert any(f.code == "derive.ambiguous" and f.layer == (row.name or row.type)
                           for f in report.findings)
    assert statuses[Status.OK] > 2000 and right / rows > 0.7


def test_a_narrow_keras3_table_through_the_parser() -> None:
    """The densenet summary printed at 80 columns (types cut with "…"): every row is derived."""
    from calc.parse import keras3

    report = derive_model(keras3.parse((CORPUS / "k3_app_densenet121.summary.w80.txt").read_text()))
    assert all(r.status in OK_STATUSES for r in report.layers)
    assert report.total_params == 8_062_504
    assert any(f.code == "derive.cut_type" for f in report.findings)  # GlobalAveragePool… read as the 2D kind


# --- the known causes of a difference --------------------------------------------------------


def _dense_spec(rows: list[tuple[str, str, Shape, int | None]], *, fmt: Format = Format.KERAS3,
                **totals: int | None) -> ModelSpec:
    layers = tuple(LayerSpec(type=t, name=n, output_shape=s, params=p) for n, t, s, p in rows)
    return ModelSpec(fmt, K, layers, input_shapes=((None, 784),), **totals)  # type: ignore[arg-type]


MLP = [("dense", "Dense", (None, 128), 100_480), ("dropout", "Dropout", (None, 128), 0),
       ("dense_1", "Dense", (None, 10), 1_290)]


def test_keras3_optimizer_params_in_the_total() -> None:
    spec = _dense_spec(MLP, total_params=101_770 + 203_542, trainable_params=101_770, non_trainable_params=0,
                       optimizer_params=203_542)
    report = derive_model(spec)
    assert report.total_params == 101_770 and not _errors(report)
    assert [f.code for f in report.findings] == ["derive.total_with_optimizer"]


def test_int32_wrapped_counts() -> None:
    """The Keras 2 summary from the reference notes: Flatten 55,296 → Dense(72,534) printed as −284,054,698."""
    real = 55_296 * 72_534 + 72_534
    wrapped = (real + 2**31) % 2**32 - 2**31
    rows = [("flatten", "Flatten", (None, 55_296), 0), ("dense", "Dense", (None, 72_534), wrapped)]
    spec = ModelSpec(Format.KERAS2, K, tuple(LayerSpec(type=t, name=n, output_shape=s, params=p)
                                              for n, t, s, p in rows),
                     input_shapes=((None, 16, 54, 64),), total_params=wrapped, trainable_params=wrapped,
                     non_trainable_params=0)
    report = derive_model(spec)
    dense = _row(report, "dense")
    assert wrapped < 0 and dense.params == real == 4_010_912_598
    assert dense.status is Status.MISMATCH
    codes = {f.code for f in report.findings}
    assert {"derive.negative_count", "derive.total_wrapped"} <= codes and "derive.total_mismatch" not in codes


def test_frozen_layers_move_the_split_not_the_total() -> None:
    spec = _dense_spec(MLP, total_params=101_770, trainable_params=1_290, non_trainable_params=100_480)
    report = derive_model(spec)
    assert (report.total_params, report.trainable_params, report.non_trainable_params) == (101_770, 1_290, 100_480)
    assert [f.code for f in report.findings] == ["derive.split_frozen"]


def test_a_frozen_row_marked_in_the_table() -> None:
    layers = (LayerSpec(type="Dense", name="dense", output_shape=(None, 128), params=100_480, trainable=False),)
    report = derive_model(ModelSpec(Format.KERAS3, K, layers, input_shapes=((None, 784),), total_params=100_480,
                                    trainable_params=0, non_trainable_params=100_480))
    assert (report.trainable_params, report.non_trainable_params) == (0, 100_480) and not report.findings


def _torch(rows: list[LayerSpec], **kw: object) -> ModelSpec:
    return ModelSpec(Format.TORCHINFO, T, tuple(rows), input_shapes=((1, 16),), **kw)  # type: ignore[arg-type]


def test_torch_parameters_outside_leaf_modules() -> None:
    """torchinfo prints a container's own parameters (an nn.Parameter on it) on its row."""
    rows = [LayerSpec(type="Net", depth=0, output_shape=(1, 4), params=10, is_container=True),
            LayerSpec(type="Linear", depth=1, output_shape=(1, 8), params=136),
            LayerSpec(type="ReLU", depth=1, output_shape=(1, 8), params=0),
            LayerSpec(type="Linear", depth=1, output_shape=(1, 4), params=36)]
    report = derive_model(_torch(rows, total_params=182, trainable_params=182, non_trainable_params=0))
    assert report.layers[0].params == 182 and report.total_params == 182
    assert "derive.own_params" in {f.code for f in report.findings} and not _errors(report)


def test_torch_total_above_the_rows_is_explained_as_parameters_outside_them() -> None:
    rows = [LayerSpec(type="Linear", depth=0, output_shape=(1, 8), params=136)]
    report = derive_model(_torch(rows, total_params=146))
    finding = next(f for f in report.findings if f.code == "derive.total_mismatch")
    assert "nn.Parameter" in finding.message.render()


def test_torchinfo_recursive_rows_count_once() -> None:
    rows = [LayerSpec(type="Net", depth=0, output_shape=(1, 8), is_container=True),
            LayerSpec(type="Linear", depth=1, output_shape=(1, 8), params=136),
            LayerSpec(type="Linear", depth=1, output_shape=(1, 8), recursive=True)]
    rows[2] = dataclasses.replace(rows[2], input_shape=(1, 8))
    report = derive_model(_torch(rows, total_params=136, trainable_params=136, non_trainable_params=0))
    assert report.total_params == 136 and report.layers[0].params == 136
    assert report.layers[2].params == 72 or report.layers[2].status is not Status.MISMATCH
    assert "derive.recursive" in {f.code for f in report.findings} and not _errors(report)


def test_a_module_listed_twice_is_explained_as_shared() -> None:
    rows = [LayerSpec(type="Linear", name="fc", output_shape=(1, 16), params=272),
            LayerSpec(type="ReLU", name="act", output_shape=(1, 16), params=0),
            LayerSpec(type="Linear", name="fc", output_shape=(1, 16), params=272)]
    report = derive_model(_torch(rows, total_params=272))
    assert "derive.total_shared" in {f.code for f in report.findings} and not _errors(report)


def test_keras_shared_layers_and_nested_models() -> None:
    """The siamese model: a nested Sequential and a Dense each called on two inputs ("[1][0]" nodes)."""
    built = keras_spec("k3_func_siamese_shared")
    report = derive_model(built.spec)
    encoder = _row(report, "encoder")
    assert encoder.is_container and encoder.status is Status.OK and encoder.params == 346_304
    assert _row(report, "shared_dense").params == 264
    assert report.total_params == 346_577
    assert not _errors(report)
    collapsed = derive_model(keras_spec("k3_func_siamese_shared", expanded=False).spec)
    encoder = _row(collapsed, "encoder")
    assert encoder.status is Status.UNKNOWN and encoder.params is None
    assert collapsed.total_params == 346_577
    assert {"derive.collapsed_container", "derive.unchecked_rows"} <= {f.code for f in collapsed.findings}


def test_multi_output_layers_are_picked_by_tensor_index() -> None:
    built = keras_spec("k3_seq_lstm_return_state_seq2seq")
    report = derive_model(built.spec)
    decoder = _row(report, "lstm_1")
    assert decoder.calc is not None
    assert decoder.calc.inputs == ((None, None, 93), (None, 256), (None, 256))
    assert decoder.status is Status.OK and decoder.params == 358_400


def test_an_unknown_layer_kind_is_unknown_never_zero() -> None:
    rows = [*MLP[:1], ("mystery", "MyAttentionBlock", (None, 128), 4_242), *MLP[1:]]
    report = derive_model(_dense_spec(rows, total_params=101_770 + 4_242))
    mystery = _row(report, "mystery")
    assert mystery.status is Status.UNKNOWN and mystery.params is None
    assert "MyAttentionBlock" in next(f for f in report.findings if f.code == "derive.unknown_kind").message.render()
    assert report.total_params == 101_770 + 4_242  # its printed count stands in, and a finding says so
    assert "derive.unchecked_rows" in {f.code for f in report.findings}
    assert _row(report, "dense_1").status is Status.OK  # the next layer reads mystery's printed output


def test_an_unbuilt_layer() -> None:
    layers = (LayerSpec(type="Dense", name="dense", output_shape=None, output_shape_text="?", params=0,
                        unbuilt=True),)
    report = derive_model(ModelSpec(Format.KERAS3, K, layers, total_params=0))
    assert report.layers[0].status is Status.UNKNOWN and report.layers[0].params is None
    assert "derive.unbuilt" in {f.code for f in report.findings}


def test_torch_composite_modules_from_print_model() -> None:
    """print(model) shows MultiheadAttention only through its out_proj child: in_proj is derived from it."""
    built = variants("pt_transformer_encoder_layer")[-1]
    assert built.variant == "repr"
    report = derive_model(built.spec)
    attn = next(r for r in report.layers if r.type == "MultiheadAttention")
    assert attn.params == 1_050_624 and "num_heads" in attn.undetermined
    assert report.total_params == 3_152_384
    assert "derive.composite" in {f.code for f in report.findings}


# --- symbolic values -------------------------------------------------------------------------


def _code_spec(*layers: LayerSpec) -> ModelSpec:
    return ModelSpec(Format.KERAS_CODE, K, layers, input_shapes=((None, 86_400),), symbols=("nClasses",))


def test_a_symbolic_hyperparameter_renders_with_its_name() -> None:
    spec = _code_spec(
        LayerSpec(type="Dense", config={"units": 512}),
        LayerSpec(type="Dropout", config={"rate": 0.5}),
        LayerSpec(type="Dense", config={"units": SymbolRef("nClasses")}),
        LayerSpec(type="Dense", config={"units": 10}),
    )
    report = derive_model(spec)
    first, dropout, symbolic, after = report.layers
    assert first.status is Status.OK and first.params == 86_400 * 512 + 512
    assert dropout.params == 0
    assert symbolic.status is Status.OK and symbolic.params is None and symbolic.formula is None
    assert symbolic.symbolic_formula == "512 × nClasses + nClasses"
    assert symbolic.output_shape == (None, None) and symbolic.config["units"] == "nClasses"
    assert "nClasses" in symbolic.explanation.render()
    assert after.params is None and after.symbolic_formula == "nClasses × 10 + 10"
    assert report.total_params is None
    texts = [f.message.render() for f in report.findings]
    assert any("nClasses" in t and "512 × nClasses + nClasses" in t for t in texts)
    total = next(f for f in report.findings if f.code == "derive.total_symbolic").message.render()
    assert f"{86_400 * 512 + 512:,}" in total and "(512 × nClasses + nClasses)" in total


def test_two_symbols_get_different_stand_ins() -> None:
    spec = _code_spec(
        LayerSpec(type="Dense", config={"units": SymbolRef("hidden")}),
        LayerSpec(type="Dense", config={"units": SymbolRef("nClasses")}),
    )
    report = derive_model(spec)
    assert report.layers[0].symbolic_formula == "86,400 × hidden + hidden"
    assert report.layers[1].symbolic_formula == "hidden × nClasses + nClasses"


# --- the process-wide memo ------------------------------------------------------------------


def test_inputs_are_not_shared_between_reports() -> None:
    """The process-wide memo must not leak one model's rows into another's report."""
    a = derive_model(seed_spec())
    b = derive_model(seed_spec([(n, t, s, p) for n, t, s, p in SEED_ROWS if n != "dense_2"], total=74_784))
    assert len(a.layers) == len(SEED_ROWS) and len(b.layers) == len(SEED_ROWS) - 1
    assert b.total_params == 74_784


def test_shape_tree_helper() -> None:
    assert shape_tree([None, 3]) == (None, 3)
    assert shape_tree([[None, 3], [None, 4]]) == [(None, 3), (None, 4)]
    assert shape_tree("multiple") is None


def test_inbound_names_cut_short_are_matched_by_their_beginning() -> None:
    rows = (LayerSpec(type="InputLayer", name="input_layer", output_shape=(None, 64, 128), params=0),
            LayerSpec(type="Dense", name="multi_head_attention_projection", output_shape=(None, 64, 32),
                      params=4_128, inbound=(Inbound("input_layer"),)),
            LayerSpec(type="Dense", name="dense", output_shape=(None, 64, 8), params=264,
                      inbound=(Inbound("multi_head_atten…"),)))
    report = derive_model(ModelSpec(Format.KERAS3, K, rows, total_params=4_392))
    assert [r.status for r in report.layers] == [Status.OK, Status.OK, Status.OK]
    assert report.total_params == 4_392


# --- whatever a parser hands over ------------------------------------------------------------

_FUZZ_KERAS = ["Dense", "Conv2D", "Conv1D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D",
               "GlobalAveragePooling2D", "BatchNormalization", "LayerNormalization", "GroupNormalization",
               "Embedding", "LSTM", "GRU", "Bidirectional", "TimeDistributed", "MultiHeadAttention", "Reshape",
               "Permute", "Concatenate", "Add", "ZeroPadding2D", "Cropping2D", "UpSampling2D", "RepeatVector",
               "InputLayer", "Flatten", "Activation", "Dropout", "PReLU", "Sequential", "MyLayer", "Conv2…"]
_FUZZ_TORCH = ["Conv2d", "ConvTranspose2d", "Linear", "BatchNorm2d", "LayerNorm", "GroupNorm", "Embedding", "LSTM",
               "MaxPool2d", "AdaptiveAvgPool2d", "Flatten", "MultiheadAttention", "TransformerEncoderLayer", "ReLU",
               "Sequential", "BasicBlock", "ZeroPad2d", "Upsample"]


@st.composite
def _any_spec(draw: st.DrawFn) -> ModelSpec:
    torch = draw(st.booleans())
    dims = st.one_of(st.none(), st.integers(-2, 300))
    shapes = st.lists(dims, min_size=1, max_size=5).map(tuple)
    trees = st.one_of(st.none(), shapes, st.lists(shapes, min_size=1, max_size=3))
    values = st.one_of(st.integers(-5, 600), st.booleans(), st.none(), st.text(max_size=4),
                       st.tuples(st.integers(-2, 9), st.integers(-2, 9)), st.just(SymbolRef("n")))
    keys = st.sampled_from(["units", "filters", "kernel_size", "strides", "padding", "axis", "in_features",
                            "in_channels", "num_heads", "embed_dim", "layer", "normalized_shape", "input_size"])
    rows = []
    for i in range(draw(st.integers(0, 7))):
        rows.append(LayerSpec(
            type=draw(st.sampled_from(_FUZZ_TORCH if torch else _FUZZ_KERAS)),
            name=f"l{i}" if draw(st.booleans()) else None,
            depth=draw(st.integers(0, 3)),
            config=draw(st.dictionaries(keys, values, max_size=3)),
            output_shape=draw(trees),
            input_shape=draw(st.one_of(st.none(), shapes)),
            params=draw(st.one_of(st.none(), st.integers(-10**9, 10**9))),
            trainable=draw(st.sampled_from([None, True, False])),
            unbuilt=draw(st.booleans()),
            recursive=draw(st.booleans()),
            is_container=draw(st.booleans()),
            inbound=tuple(Inbound(f"l{draw(st.integers(0, 8))}", 0, draw(st.integers(0, 3)))
                          for _ in range(draw(st.integers(0, 2)))),
        ))
    formats = [Format.TORCHINFO, Format.TORCH_REPR] if torch else [Format.KERAS3, Format.KERAS2, Format.KERAS_CODE]
    return ModelSpec(draw(st.sampled_from(formats)), T if torch else K, tuple(rows),
                     input_shapes=tuple(draw(st.lists(shapes, max_size=2))),
                     total_params=draw(st.one_of(st.none(), st.integers(-10**9, 10**9))),
                     trainable_params=draw(st.one_of(st.none(), st.integers(0, 10**6))),
                     optimizer_params=draw(st.one_of(st.none(), st.integers(0, 10**6))))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(_any_spec())
def test_any_spec_gets_a_report_and_never_raises(spec: ModelSpec) -> None:
    report = derive_model(spec)
    assert len(report.layers) == len(spec.layers)
    for finding in report.findings:
        finding.message.render("en")
        finding.message.render("zh")
    for row in report.layers:
        row.explanation.render("zh")
        assert row.status is not Status.OK or row.params is not None or row.symbolic_formula is not None \
            or row.is_container


def test_tf_keras_multiple_shapes_of_a_subclassed_model() -> None:
    """tf.keras prints "multiple" for a subclassed model's layers: units come from the counts."""
    rows = tuple(LayerSpec(type="Dense", name=n, output_shape=None, output_shape_text="multiple", params=p)
                 for n, p in (("d1", 100_480), ("d2", 1_290)))
    report = derive_model(ModelSpec(Format.KERAS2, K, rows, input_shapes=((None, 784),), total_params=101_770))
    assert [(r.status, r.config["units"], r.output_shape) for r in report.layers] == [
        (Status.INFERRED, 128, (None, 128)), (Status.INFERRED, 10, (None, 10))]
    assert report.total_params == 101_770 and not report.findings


def test_a_nested_model_in_code_outputs_what_its_last_layer_does() -> None:
    """Keras code states no shapes: the layer after a nested Sequential reads its last layer's output."""
    rows = (LayerSpec(type="Sequential", name="features", depth=0, is_container=True),
            LayerSpec(type="Conv2D", depth=1, config={"filters": 32, "kernel_size": (3, 3)}),
            LayerSpec(type="GlobalAveragePooling2D", depth=1),
            LayerSpec(type="Dense", depth=0, config={"units": 10}))
    spec = ModelSpec(Format.KERAS_CODE, K, rows, input_shapes=((None, 32, 32, 3),))
    report = derive_model(spec)
    assert report.layers[0].params == 896 and report.layers[0].output_shape == (None, 32)
    assert report.layers[3].params == 330 and report.total_params == 1_226
