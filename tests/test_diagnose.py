"""calc.diagnose: every failure message of the reference (anchors.md §5), alone and with a pasted model."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render.advice_json import diagnosis_document
from bot.render.advice_text import render_advice
from calc import diagnose as diagnose_module
from calc.advise import advice_for_report
from calc.cost import INT32_MAX
from calc.derive import derive_model
from calc.diagnose import Diagnosis, diagnose, planned_layers
from calc.explain import explain
from calc.findings import Severity
from calc.i18n import LOCALES
from calc.parse import keras2
from calc.report import Report

FIXTURES = Path(__file__).parent / "fixtures"
SEED_SUMMARY = (FIXTURES / "seed_summary.txt").read_text()

# The messages exactly as the frameworks print them (anchors.md §5).
RNG_CPU = "ValueError: rng_mrg cpu-implementation does not support more than (2**31 -1) samples"
RNG_GPU = "ValueError: rng_mrg gpu implementation does not support more than (2**31 -1) samples"
RNG_ZH = "ValueError: rng_mrg cpu-实现不支持超过 (2**31 -1) 个样本"
TF_OOM = "ResourceExhaustedError: OOM when allocating tensor with shape[173056,4096]"
TF_OOM_FULL = (
    "tensorflow.python.framework.errors_impl.ResourceExhaustedError: OOM when allocating tensor with "
    "shape[173056,4096] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc"
)
PROTO = "ValueError: Cannot create a tensor proto whose content is larger than 2GB."
CUDA_OLD = (
    "RuntimeError: CUDA out of memory. Tried to allocate 2.64 GiB (GPU 0; 7.79 GiB total capacity; "
    "5.12 GiB already allocated; 1.20 GiB free; 5.40 GiB reserved in total by PyTorch)"
)
CUDA_NEW = (
    "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 has a total capacity of "
    "79.15 GiB of which 4.81 MiB is free. Including non-PyTorch memory, this process has 79.14 GiB memory in use. "
    "Of the allocated memory 78.47 GiB is allocated by PyTorch, and 191.95 MiB is reserved by PyTorch but unallocated."
)
MAT = "RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x1568 and 1050x10)"
AXIS = (
    'ValueError: Input 0 of layer "dense" is incompatible with the layer: expected axis -1 of input shape to have '
    "value 16384, but received input with shape (None, 65536)"
)
AXIS_RANK = (
    "ValueError: Input 0 of layer dense is incompatible with the layer: expected axis -1 of input shape to have "
    "value 8 but received input with shape [None, 7, 169]"
)
NEGATIVE = "Total params: -284,054,698\nTrainable params: -284,054,698\nNon-trainable params: 0"

NEGATIVE_SUMMARY = """\
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
conv2d_1 (Conv2D)            (None, 16, 54, 64)        1792
_________________________________________________________________
flatten_1 (Flatten)          (None, 55296)             0
_________________________________________________________________
dense_1 (Dense)              (None, 72534)             -284054698
=================================================================
Total params: -284,052,906
Trainable params: -284,052,906
Non-trainable params: 0
_________________________________________________________________
"""

TORCH_STACK = """\
Net(
  (conv1): Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (pool1): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (conv2): Conv2d(16, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (pool2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (fc): Linear(in_features=1050, out_features=10, bias=True)
)"""


def _one(text: str, report: Report | None = None) -> Diagnosis:
    found = diagnose(text, report)
    assert len(found) == 1, [d.code for d in found]
    return found[0]


def _text(d: Diagnosis, lang: str = "en") -> str:
    return render_advice(d, lang)


# --------------------------------------------------------------------------------------------
# Every message alone: recognised, with its cause named.


@pytest.mark.parametrize(
    ("message", "code", "cause"),
    [
        (RNG_CPU, "diag.rng_mrg", "diag.rng_mrg.cause"),
        (RNG_GPU, "diag.rng_mrg", "diag.rng_mrg.cause"),
        (RNG_ZH, "diag.rng_mrg", "diag.rng_mrg.cause"),
        (TF_OOM, "diag.tf_oom", "diag.tf_oom.cause"),
        (TF_OOM_FULL, "diag.tf_oom", "diag.tf_oom.cause"),
        (PROTO, "diag.proto_2gb", "diag.proto.cause"),
        (CUDA_OLD, "diag.cuda_oom", "diag.cuda_oom.cause"),
        (CUDA_NEW, "diag.cuda_oom", "diag.cuda_oom.cause"),
        ("RuntimeError: CUDA out of memory. Tried to allocate 512.00 MiB", "diag.cuda_oom", "diag.cuda_oom.cause_plain"),
        (MAT, "diag.mat1_mat2", "diag.mat.cause"),
        (AXIS, "diag.keras_axis", "diag.axis.cause"),
        (AXIS_RANK, "diag.keras_axis", "diag.axis.cause"),
        (NEGATIVE, "diag.negative_params", "diag.negative.cause"),
    ],
)
def test_every_message_alone(message: str, code: str, cause: str) -> None:
    d = _one(f"Traceback (most recent call last):\n  ...\n{message}\n")
    assert d.code == code and d.cause.key == cause
    assert d.fixes and d.severity is Severity.ERROR
    for lang in LOCALES:
        text = _text(d, lang)
        assert d.excerpt.split()[0] in text
    json.dumps(diagnosis_document(d))


def test_rng_mrg_alone_says_the_limit() -> None:
    d = _one(RNG_CPU)
    assert "2,147,483,647" in _text(d) and "Theano" in _text(d)
    assert d.number("limit") == INT32_MAX


def test_tf_oom_alone() -> None:
    d = _one(TF_OOM)
    assert (d.number("dim0"), d.number("dim1"), d.number("elements")) == (173_056, 4_096, 173_056 * 4_096)
    assert d.number("bytes") == 173_056 * 4_096 * 4
    text = _text(d)
    assert "708,837,376 values of float32 = 2.64 GiB" in text and "Dense kernel" in text


def test_cuda_oom_numbers() -> None:
    d = _one(CUDA_OLD)
    assert d.number("bytes") == round(2.64 * 2**30) and d.number("total") == round(7.79 * 2**30)
    assert "1.20 GiB free of 7.79 GiB" in _text(d)
    d = _one(CUDA_NEW)
    assert d.number("bytes") == 20 * 2**20
    assert "5,242,880 float32 values" in _text(d)


def test_mat1_mat2_alone() -> None:
    d = _one(MAT)
    assert (d.number("batch"), d.number("features"), d.number("in_features"), d.number("out_features")) == (
        2, 1568, 1050, 10)  # fmt: skip
    text = _text(d)
    assert "nn.Linear(1568, 10): 1,568 × 10 + 10 = 15,690" in text
    assert "32·7·7" in text  # a plausible factorisation even without the model
    assert "if 2 is not your batch size" in text


def test_axis_alone() -> None:
    text = _text(_one(AXIS))
    assert "65,536 / 16,384 = 4.0 = 2²" in text and "2× larger per side" in text
    text = _text(_one(AXIS_RANK))
    assert "3-D" in text and "1,183" in text  # 7 × 169
    smaller = AXIS.replace("16384", "65536").replace("(None, 65536)", "(None, 16384)")
    assert "smaller" in _text(_one(smaller))
    rgb = AXIS.replace("(None, 65536)", "(None, 49152)")
    assert "RGB" in _text(_one(rgb))


def test_negative_alone() -> None:
    d = _one(NEGATIVE)
    assert d.number("reported") == -284_054_698 and d.number("real") == 4_010_912_598 == -284_054_698 + 2**32
    assert "4,010,912,598" in _text(d)


# --------------------------------------------------------------------------------------------
# With a pasted model: which layer, how many elements, which limit, and the fix in its numbers.


def _seed() -> Report:
    return derive_model(keras2.parse(SEED_SUMMARY))


def test_rng_mrg_with_the_seed() -> None:
    text = f"{SEED_SUMMARY}\nmodel.add(Dense(172800))\n{RNG_CPU}"
    d = _one(text, _seed())
    assert d.layer == "Dense(172800)"
    out = _text(d)
    assert "kernel (86400, 172800) has 14,929,920,000 elements" in out
    assert "86,400 × 172,800 + 172,800 = 14,930,092,800 parameters, 55.6 GiB in float32" in out
    assert "at most 24,855 units on its 86,400 inputs" in out
    assert "GlobalAveragePooling2D in place of flatten_2 leaves 96 inputs" in out


def test_rng_mrg_with_a_model_that_is_fine() -> None:
    d = _one(RNG_CPU, _seed())
    assert d.layer is None and "No weight in the pasted model is that large" in _text(d)


def test_tf_oom_is_that_kernel() -> None:
    model = explain("13x13x1024 flatten dense4096 dense10")
    d = _one(TF_OOM_FULL, model)
    assert d.layer == "dense"
    out = _text(d)
    assert "That is the kernel of dense (Dense): 173,056 × 4,096 + 4,096 = 708,841,472 parameters" in out
    assert "10.6 GiB" in out  # weight + gradient + Adam's m and v
    assert "GlobalAveragePooling2D in place of flatten leaves 1,024 inputs instead of 173,056" in out


def test_tf_oom_activation_is_the_batch() -> None:
    model = explain("224x224x3 conv64k3same conv64k3same pool2 flatten dense10")
    d = _one("OOM when allocating tensor with shape[32,224,224,64] and type float", model)
    out = _text(d)
    assert d.layer == "conv2d" and "for a batch of 32" in out and "half the batch (16)" in out


def test_proto_with_the_seed() -> None:
    text = f"{SEED_SUMMARY}\nmodel.add(Dense(172800))\n{PROTO}"
    d = _one(text, _seed())
    assert d.layer == "Dense(172800)"
    out = _text(d)
    assert "55.6 GiB in float32" in out
    assert (2**31 - 1) // 4 // 86_400 == 6_213
    assert "at most 6,213 units on its 86,400 inputs" in out


def test_cuda_oom_is_that_weight() -> None:
    model = explain("torch 1024x13x13 flatten dense4096 dense10")
    d = _one(CUDA_OLD, model)
    out = _text(d)
    assert d.layer == "1"
    assert "2.64 GiB is the size of 1 (Linear)'s weight (4096, 173056) in float32" in out
    assert "10.6 GiB to train it" in out
    assert "AdaptiveAvgPool2d(1) before 0 (Flatten) leaves 1,024 inputs" in out
    best = max(u for u in range(1, 4000) if 16 * (173_056 * u + u) <= round(7.79 * 2**30))
    assert f"at most {best:,} units" in out


def test_mat1_mat2_with_the_conv_stack() -> None:
    model = explain(TORCH_STACK)
    d = _one(MAT, model)
    out = _text(d)
    assert d.layer == "fc"
    assert "1,568 = 32·7·7" in out and "28×28 input there (28→14→7)" in out
    assert "nn.Linear(32*7*7, 10): 1,568 × 10 + 10 = 15,690 parameters (it was 1,050 × 10 + 10 = 10,510)" in out


def test_mat1_mat2_with_shapes() -> None:
    model = explain("torch 3x32x32 conv16k3p1 pool2 conv32k3p1 pool2 flatten dense10")
    d = _one("mat1 and mat2 shapes cannot be multiplied (64x2048 and 512x10)", model)
    assert "2,048 = 32·8·8" in _text(d) and "nn.Linear(32*8*8, 10)" in _text(d)


def test_axis_with_the_model_checks_the_scale() -> None:
    model = explain("128x128x3 conv16k3same pool2 pool2 flatten dense10")
    d = _one(AXIS, model)
    out = _text(d)
    assert d.layer == "dense"
    assert "built for 128×128×3; 256×256×3 images give exactly 65,536" in out
    assert "65,536 × 10 + 10 = 655,370" in out


def test_negative_with_the_summary() -> None:
    report = derive_model(keras2.parse(NEGATIVE_SUMMARY))
    assert report.total_params == 1_792 + 4_010_912_598
    d = _one(NEGATIVE_SUMMARY, report)
    out = _text(d)
    assert d.number("real") == report.total_params == -284_052_906 + 2**32
    assert "dense_1 (Dense) alone has 55,296 × 72,534 + 72,534 = 4,010,912,598" in out
    assert "at most 38,836 units on its 55,296 inputs" in out  # (2**31 − 1) // 55,296
    # a negative row without the totals lines is recognised too
    rows_only = NEGATIVE_SUMMARY.split("=" * 65 + "\nTotal")[0]
    d = _one(rows_only, derive_model(keras2.parse(rows_only)))
    assert d.number("real") == 4_010_912_598


def test_several_errors_and_the_explain_findings() -> None:
    text = f"{SEED_SUMMARY}\nmodel.add(Dense(172800))\n{RNG_CPU}\n{PROTO}"
    codes = [d.code for d in diagnose(text, _seed())]
    assert codes == ["diag.rng_mrg", "diag.proto_2gb"]
    findings = advice_for_report(None, MAT)
    assert [f.code for f in findings] == ["diag.mat1_mat2"]
    assert "nn.Linear(1568, 10)" in findings[0].message.render()


# --------------------------------------------------------------------------------------------
# Planned layers and hostile text


def test_planned_layers() -> None:
    report = _seed()
    planned = planned_layers(report, "model.add(Dense(172800))\nmodel.add(Dense(4))\nDense(units=512, activation='relu')")
    assert [p.units for p in planned] == [172_800, 512]  # Dense(4) is in the summary already
    assert planned_layers(report, "nothing here") == ()
    torch = planned_layers(None, "self.fc = nn.Linear(173056, 4096)")
    assert [(p.n_in, p.units, p.layer.params) for p in torch] == [(173_056, 4_096, 708_841_472)]


_REGEX_CODES = (
    (diagnose_module._RE_RNG, "diag.rng_mrg"),
    (diagnose_module._RE_TF_OOM, "diag.tf_oom"),
    (diagnose_module._RE_PROTO, "diag.proto_2gb"),
    (diagnose_module._RE_CUDA, "diag.cuda_oom"),
    (diagnose_module._RE_MAT, "diag.mat1_mat2"),
    (diagnose_module._RE_AXIS, "diag.keras_axis"),
    (diagnose_module._RE_NEG, "diag.negative_params"),
)


@pytest.mark.parametrize("message", [RNG_CPU, RNG_ZH, TF_OOM_FULL, PROTO, CUDA_OLD, CUDA_NEW, MAT, AXIS, NEGATIVE])
@pytest.mark.parametrize(
    "spelling",
    [
        str.upper,
        str.lower,
        lambda m: m.replace("s", "\u017f"),  # long s: matches s case-insensitively
        lambda m: m.replace("i", "\u0131"),  # dotless i
        lambda m: m.replace("i", "\u0130"),  # dotted capital I
        lambda m: m.replace("k", "\u212a"),  # Kelvin sign
        lambda m: m.replace(" ", "\u00a0"),  # no-break spaces: no match
        lambda m: "\u2502 " + m.replace(" of ", " \u2500of "),
    ],
)
def test_prefilters_find_what_the_regexes_find(message: str, spelling: Callable[[str], str]) -> None:
    """The literal prefilters in front of the recognisers never hide a message their regex reads."""
    text = spelling(message)
    expected = {code for regex, code in _REGEX_CODES if regex.search(text)}
    assert {d.code for d in diagnose(text)} == expected
    assert {d.code for d in diagnose(SEED_SUMMARY + "\n" + text, _seed())} == expected


def test_no_error_no_diagnosis() -> None:
    assert diagnose(SEED_SUMMARY, _seed()) == ()
    assert diagnose("") == ()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_text_never_breaks(text: str) -> None:
    for d in diagnose(text):
        assert d.cause.render("en")


@settings(max_examples=60, deadline=None)
@given(b=st.integers(1, 4096), f=st.integers(1, 10**7), i=st.integers(1, 10**7), o=st.integers(1, 10**5))
def test_mat_numbers_follow_the_message(b: int, f: int, i: int, o: int) -> None:
    d = _one(f"mat1 and mat2 shapes cannot be multiplied ({b}x{f} and {i}x{o})")
    assert (d.number("batch"), d.number("features"), d.number("in_features"), d.number("out_features")) == (b, f, i, o)
    assert f"{f:,} × {o:,} + {o:,} = {f * o + o:,}" in _text(d)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 10**6), u=st.integers(1, 10**6))
def test_oom_numbers_follow_the_message(n: int, u: int) -> None:
    d = _one(f"OOM when allocating tensor with shape[{n},{u}] and type half")
    assert d.number("elements") == n * u and d.number("bytes") == 2 * n * u


def test_long_text_is_bounded() -> None:
    text = "x" * 500_000 + MAT
    assert diagnose(text) == ()  # past the scanned prefix
    assert diagnose(("(" * 10_000) + "rng_mrg" + " " * 10_000) == ()
