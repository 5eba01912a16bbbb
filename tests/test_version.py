"""calc.version: the calculations' version is the package version plus a digest of calc's own files."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from calc.version import MAX_VERSION_CHARS, VERSION, make_version, package_version, source_digest

ROOT = Path(__file__).resolve().parent.parent
CALC = ROOT / "calc"


def _snapshot(tmp_path: Path) -> Path:
    """A copy of calc's files (the digest is computed over the copy, so edits in the working tree
    while the test runs cannot disturb it)."""
    copy = tmp_path / "a" / "calc"
    shutil.copytree(CALC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_version_is_the_package_version_and_a_digest() -> None:
    assert re.fullmatch(re.escape(package_version()) + r"\+[0-9a-f]{12}", VERSION)
    assert len(VERSION) <= MAX_VERSION_CHARS


def test_the_version_is_the_same_in_another_process() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from calc.version import VERSION; print(VERSION)"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == VERSION


def test_the_digest_changes_with_one_byte_of_one_file_and_not_with_the_place(tmp_path: Path) -> None:
    copy = _snapshot(tmp_path)
    before = source_digest(copy)
    elsewhere = tmp_path / "b" / "calc"
    shutil.copytree(copy, elsewhere)
    assert source_digest(elsewhere) == before  # where the package lies does not matter

    target = copy / "formula.py"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    changed = source_digest(copy)
    assert changed != before
    assert make_version("0.1.0", changed) != make_version("0.1.0", before)

    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    assert source_digest(copy) == before  # back as it was: the same version again


def test_compiled_files_do_not_count_but_every_source_file_does(tmp_path: Path) -> None:
    copy = _snapshot(tmp_path)
    before = source_digest(copy)
    (copy / "__pycache__").mkdir()
    (copy / "__pycache__" / "formula.cpython-311.pyc").write_bytes(b"\x00compiled")
    (copy / "catalog" / "stale.pyc").write_bytes(b"\x00compiled")
    assert source_digest(copy) == before
    (copy / "catalog" / "new_kind.py").write_text("")
    assert source_digest(copy) != before  # even an empty new file
    (copy / "catalog" / "new_kind.py").unlink()
    (copy / "catalog" / "conv.py").rename(copy / "catalog" / "conv2.py")
    assert source_digest(copy) != before  # a renamed file


def test_a_long_package_version_is_cut_so_the_digest_always_fits() -> None:
    version = make_version("1.2.3.dev456+g0123456789abcdef.d20260101", "f" * 64)
    assert len(version) == MAX_VERSION_CHARS and version.endswith("+ffffffffffff")
