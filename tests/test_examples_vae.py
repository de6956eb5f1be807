"""examples/vae.py: two epochs of training raise the ELBO, and the script explains how to get
scikit-learn when it is missing."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "vae.py"


def load_example() -> dict:
    return runpy.run_path(str(SCRIPT), run_name="vae_example")


def test_two_epochs_improve_the_elbo(capsys):
    history = load_example()["main"](["--epochs", "2"])
    assert len(history["elbo"]) == len(history["test_elbo"]) == 2
    assert all(np.isfinite(history["elbo"] + history["test_elbo"]))
    assert history["elbo"][1] > history["elbo"][0]
    assert history["test_elbo"][1] > history["test_elbo"][0]
    out = capsys.readouterr().out
    assert "epoch  2: ELBO" in out and "time per epoch" in out


def test_missing_scikit_learn_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(SystemExit, match=r"pip install 'numbax\[examples\]'"):
        load_example()["main"](["--epochs", "1"])
