"""Binaries stay out of git: every tracked file is checked against a size limit and a list of
binary kinds, with an allow-list (the classifier's model weights, up to 50 MB, belong under
moderation/classifiers/). Tools come from their package registry (py-spy from PyPI, in
requirements-dev.txt), never as a committed wheel."""

from __future__ import annotations

import shutil
import subprocess
from fnmatch import fnmatch
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
MAX_BYTES = 1024 * 1024  # any tracked file
# (pattern, limit in bytes): the only places where bigger or binary files may be committed.
ALLOWED = [
    ("moderation/classifiers/*", 50 * 1024 * 1024),  # the learned classifier's weights
    ("docs/*.png", 2 * 1024 * 1024),  # screenshots in the documentation
]
BINARY_KINDS = (
    "*.whl", "*.egg", "*.tar.gz", "*.tgz", "*.zip", "*.jar", "*.so", "*.so.*", "*.dylib", "*.dll",
    "*.exe", "*.bin", "*.pyc", "*.pyo", "*.sqlite3", "*.db", "*.deb", "*.rpm", "*.iso", "*.dmg",
)  # fmt: skip


def tracked_files() -> list[str]:
    require(shutil.which("git") is not None and (ROOT / ".git").exists(), "not a git checkout")
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [name for name in out.stdout.decode().split("\0") if name]


def problems(files: list[str], size_of) -> list[str]:
    """Why each file may not be committed (too big, or a binary kind outside the allow-list)."""
    found = []
    for name in files:
        limit = next((limit for pattern, limit in ALLOWED if fnmatch(name, pattern)), None)
        size = size_of(name)
        if size is None:  # deleted in the work tree, not yet committed
            continue
        if limit is None and any(fnmatch(Path(name).name, kind) for kind in BINARY_KINDS):
            found.append(f"{name}: a binary ({size:,} bytes); install it from its registry instead")
        elif size > (limit or MAX_BYTES):
            found.append(f"{name}: {size:,} bytes, over the {(limit or MAX_BYTES):,}-byte limit")
    return found


def _size(name: str) -> int | None:
    path = ROOT / name
    return path.stat().st_size if path.exists() else None


def test_no_tracked_file_is_a_binary_or_over_the_size_limit():
    files = tracked_files()
    assert len(files) > 50
    assert problems(files, _size) == []


@pytest.mark.parametrize(
    ("name", "size", "refused"),
    [
        ("py_spy-0.4.3-py2.py3-none-manylinux1_x86_64.whl", 2_936_517, True),  # the wheel that was committed
        ("vendor/tool.so", 10, True),
        ("data/dump.zip", 10, True),
        ("docs/big.csv", 2 * MAX_BYTES, True),
        ("moderation/classifiers/learned/weights.bin", 40 * 1024 * 1024, False),
        ("moderation/classifiers/learned/weights.bin", 60 * 1024 * 1024, True),
        ("docs/screenshot-chat.png", 62_563, False),
        ("conversations/services.py", 20_000, False),
    ],
)
def test_the_guard_refuses_binaries_and_big_files_outside_the_allow_list(name, size, refused):
    """The control: the guard is not empty. It refuses what it should and passes what it should."""
    assert bool(problems([name], lambda _: size)) is refused


def test_py_spy_comes_from_pypi_through_the_dev_requirements():
    requirements = (ROOT / "requirements-dev.txt").read_text()
    assert any(line.startswith("py-spy==") for line in requirements.splitlines())
    assert not list(ROOT.glob("*.whl"))
