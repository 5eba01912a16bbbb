"""Generate the PyTorch texts the benchmark reads that the corpus does not have.

    KERAS_BACKEND=torch /work/devvenv/bin/python tools/bench_fixtures.py

Writes, into ``bench/fixtures/``:

- ``resnet50.torchinfo.txt``: ``str(torchinfo.summary(resnet50, input_size=(1, 3, 224, 224)))`` with
  torchinfo's default columns and depth (3), the way the corpus captured its torchinfo tables.  ResNet-50
  is written out by hand here (Bottleneck blocks, [3, 4, 6, 3]) because torchvision cannot be installed
  beside torch 2.13; it has torchvision's exact layout and its 25,557,032 parameters.
- ``deep200.repr.txt``: ``print(model)`` of a plain CNN with exactly 200 leaf modules (conv / batch-norm /
  ReLU blocks in four stages, then pooling and a classifier).
- ``densenet121.keras3.txt``, ``efficientnetb0.keras3.txt``, ``classic_b.keras3.txt``: copies of the Keras 3
  summaries in ``tests/fixtures/corpus/`` (so the benchmark stands alone and its figures stay comparable
  when the test corpus changes), with their true totals from the corpus JSON.
- ``manifest.json``: for each text, the true total / trainable parameter counts (and, for the PyTorch
  models, the number of modules), read from the built models, so the benchmark can check that layerbot
  derived the right total.

Run it once by hand with the development environment (real PyTorch and torchinfo); the outputs are
committed, and nothing in layerbot imports torch.  It is deterministic: no weights are read, only shapes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import torch
import torchinfo
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "fixtures"
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
KERAS_COPIES = {  # bench file name: corpus id
    "densenet121.keras3.txt": "k3_app_densenet121",
    "efficientnetb0.keras3.txt": "k3_app_efficientnetb0",
    "classic_b.keras3.txt": "k3_classic_b",
}


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self, layers: tuple[int, int, int, int] = (3, 4, 6, 3), num_classes: int = 1000) -> None:
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * Bottleneck.expansion, num_classes)

    def _make_layer(self, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * Bottleneck.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * Bottleneck.expansion, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * Bottleneck.expansion),
            )
        layers = [Bottleneck(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * Bottleneck.expansion
        layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Deep200(nn.Module):
    """A plain CNN with exactly 200 leaf modules: 66 conv / batch-norm / ReLU blocks, pooling, a classifier."""

    STAGES = ((32, 16), (64, 17), (128, 17), (256, 16))  # (channels, blocks): 66 blocks, 198 modules

    def __init__(self, num_classes: int = 100) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        cin = 3
        for stage, (channels, count) in enumerate(self.STAGES):
            for b in range(count):
                stride = 2 if b == 0 and stage > 0 else 1
                blocks += [
                    nn.Conv2d(cin, channels, kernel_size=3, stride=stride, padding=1, bias=False),
                    nn.BatchNorm2d(channels),
                    nn.ReLU(inplace=True),
                ]
                cin = channels
        self.features = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


def _counts(model: nn.Module) -> dict[str, Any]:
    leaves = [m for m in model.modules() if not list(m.children())]
    return {
        "total_params": sum(p.numel() for p in model.parameters()),
        "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "modules": len(list(model.modules())),
        "leaf_modules": len(leaves),
    }


def main() -> int:
    torch.manual_seed(0)
    OUT.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "generator": "tools/bench_fixtures.py",
        "versions": {"python": sys.version.split()[0], "torch": torch.__version__, "torchinfo": torchinfo.__version__},
    }

    resnet = ResNet()
    table = str(torchinfo.summary(resnet, input_size=(1, 3, 224, 224), device="cpu", verbose=0))
    (OUT / "resnet50.torchinfo.txt").write_text(table + "\n", encoding="utf-8")
    manifest["resnet50.torchinfo.txt"] = {
        **_counts(resnet),
        "text_lines": table.count("\n") + 1,
        "input_size": [1, 3, 224, 224],
    }

    deep = Deep200()
    text = str(deep)
    (OUT / "deep200.repr.txt").write_text(text + "\n", encoding="utf-8")
    manifest["deep200.repr.txt"] = {**_counts(deep), "text_lines": text.count("\n") + 1}
    assert manifest["deep200.repr.txt"]["leaf_modules"] == 200  # noqa: S101 - the generator's own promise

    for name, corpus_id in KERAS_COPIES.items():
        text = (CORPUS / f"{corpus_id}.summary.txt").read_text(encoding="utf-8")
        (OUT / name).write_text(text, encoding="utf-8")
        truth = json.loads((CORPUS / f"{corpus_id}.json").read_text(encoding="utf-8"))
        manifest[name] = {
            "source": f"tests/fixtures/corpus/{corpus_id}.summary.txt",
            "total_params": truth["total_params"],
            "trainable_params": truth["trainable_params"],
            "rows": len(truth["layers"]),
        }

    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for name in ("resnet50.torchinfo.txt", "deep200.repr.txt"):
        print(name, manifest[name])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
