"""The parameters-per-layer chart: a small, deterministic PNG with the right bars and scale."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest

from bot.discord import chart
from bot.discord.chart import LOG_SPAN, MAX_BARS, chart_data, has_cjk_font, params_chart_png
from calc.commands import run
from calc.explain import explain
from tests.discord_render._util import CORPUS, EVIL_CODE, SEED, report_of

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PNG = 200 * 1024


def _size(png: bytes) -> tuple[int, int]:
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _chunks(png: bytes) -> list[bytes]:
    out, i = [], 8
    while i < len(png):
        (length,) = struct.unpack(">I", png[i : i + 4])
        out.append(png[i + 4 : i + 8])
        i += 12 + length
    return out


BIG = [CORPUS / name for name in (
    "k3_app_densenet121.summary.txt",  # 242 layers with parameters
    "k3_app_efficientnetb0.summary.w80.txt",  # narrow table: cut names
    "tfk2_app_densenet121.summary.txt",
    "pt_resnet18_basicblock.torchinfo.txt",
    "pt_vgg16_style.repr.txt",
)]


def test_seed_chart() -> None:
    report = explain(SEED)
    png = params_chart_png(report, "en")
    assert png is not None and png.startswith(PNG_MAGIC)
    assert len(png) < MAX_PNG
    width, height = _size(png)
    assert width == 800 and 100 < height < 400
    data = chart_data(report)
    assert data is not None
    assert data.labels == ("conv2d_4 (Conv2D)", "conv2d_5 (Conv2D)", "conv2d_6 (Conv2D)", "dense_2 (Dense)")
    assert data.values == (896, 18_496, 55_392, 345_604)  # the report's own counts, in model order
    assert data.total == 420_388
    assert data.log  # 896 … 345,604 spans more than two orders of magnitude


def test_linear_scale_when_counts_are_close() -> None:
    report = run("/explain 100 dense64 dense64 dense10").report
    assert report is not None
    data = chart_data(report)
    assert data is not None and max(data.values) <= LOG_SPAN * min(data.values)
    assert not data.log


def test_no_chart_without_parameters() -> None:
    report = run("/explain 32x32x3 pool2 flatten").report
    assert report is not None
    assert chart_data(report) is None
    assert params_chart_png(report, "en") is None
    assert params_chart_png(report, "zh") is None


@pytest.mark.parametrize("path", BIG, ids=lambda p: p.name)
def test_big_models_show_their_largest_layers(path: Path) -> None:
    report = report_of(path)
    data = chart_data(report)
    assert data is not None
    counts = [row.params for row in report.leaves if row.params]
    if len(counts) > MAX_BARS:
        assert data.truncated and len(data.values) == MAX_BARS and data.count == len(counts)
        assert min(data.values) >= sorted(counts, reverse=True)[MAX_BARS - 1]
    png = params_chart_png(report, "en")
    assert png is not None and png.startswith(PNG_MAGIC) and len(png) < MAX_PNG


def test_deterministic_and_without_metadata() -> None:
    report = explain(SEED)
    data = chart_data(report)
    assert data is not None
    first = chart._draw(data, "en")  # drawn twice, not served from the cache
    second = chart._draw(data, "en")
    assert first == second
    assert not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(_chunks(first))


def test_chinese_without_a_cjk_font_stays_english() -> None:
    report = explain(SEED)
    if has_cjk_font():
        pytest.skip("a CJK font is installed: the Chinese chart is drawn in Chinese")
    assert params_chart_png(report, "zh") == params_chart_png(report, "en")


def test_odd_names_are_drawn_as_text() -> None:
    # "$" would start mathtext (and "\\frac{" would fail to parse); CJK and emoji lack glyphs in DejaVu Sans.
    code = EVIL_CODE.replace('name="tail```js"', 'name="$\\\\frac{ 参数 🙂"')
    report = run(f"/explain {code}").report
    assert report is not None
    data = chart_data(report)
    assert data is not None and data.labels[1].startswith("$\\frac{")
    png = chart._draw(data, "en")
    assert png.startswith(PNG_MAGIC)


def test_agg_backend() -> None:
    params_chart_png(explain(SEED), "en")
    import matplotlib

    assert matplotlib.get_backend().lower() == "agg"


def test_warm_up() -> None:
    chart.warm_up()
    assert chart._matplotlib().get_backend().lower() == "agg"


def test_thousands_on_the_axis() -> None:
    assert chart._thousands(1_000_000) == "1,000,000"
    assert chart._thousands(10) == "10"
    assert chart._thousands(0.1) == ""


def test_image_opens() -> None:
    from PIL import Image

    png = params_chart_png(report_of(CORPUS / "k3_app_vgg16.summary.txt"), "zh")
    assert png is not None
    with Image.open(io.BytesIO(png)) as image:
        image.verify()
