"""How much of jax.numpy numbax.numpy covers, and why the rest is missing.

tests/data/jax_numpy_names.txt lists jax.numpy's public functions (JAX 0.10.2, from its
dir()). Every name is either present in numbax.numpy or listed with its reason in the
"Missing" table of docs/numpy-coverage.md, and every listed name is really missing: the
document cannot drift from the code.
"""
from __future__ import annotations

import re
from pathlib import Path

import numbax.numpy as xnp

ROOT = Path(__file__).resolve().parent.parent
JAX_NAMES = (ROOT / "tests" / "data" / "jax_numpy_names.txt").read_text().split()
DOC = (ROOT / "docs" / "numpy-coverage.md").read_text()
DOCUMENTED_MISSING = dict(re.findall(r"^\| `(\w+)` \| (.+?) \|$", DOC, re.M))


def test_every_missing_name_is_documented_with_a_reason():
    missing = sorted(n for n in JAX_NAMES if not hasattr(xnp, n))
    undocumented = [n for n in missing if n not in DOCUMENTED_MISSING]
    assert not undocumented, f"jax.numpy names missing without a reason: {undocumented}"
    assert all(reason.strip() for reason in DOCUMENTED_MISSING.values())


def test_documented_missing_names_are_really_missing():
    present = sorted(n for n in DOCUMENTED_MISSING if hasattr(xnp, n))
    assert not present, f"docs/numpy-coverage.md lists these as missing, but they exist: {present}"


def test_coverage_count_in_the_document_is_current():
    count = sum(hasattr(xnp, n) for n in JAX_NAMES)
    match = re.search(r"covers (\d+) of the (\d+)", DOC)
    assert match, "docs/numpy-coverage.md states 'covers N of the M'"
    assert (int(match.group(1)), int(match.group(2))) == (count, len(JAX_NAMES))
