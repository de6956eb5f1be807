"""examples/cnn.py: the convolutional network reaches the issue's 95% test accuracy on the
digits, its dropout masks depend on the key, and it explains how to get scikit-learn."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "cnn.py"


def load_example() -> dict:
    return runpy.run_path(str(SCRIPT), run_name="cnn_example")


def test_training_reaches_95_percent(capsys):
    history = load_example()["main"](["--epochs", "8"])
    assert all(np.isfinite(history["loss"]))
    assert history["loss"][-1] < history["loss"][0] / 4
    assert history["test_accuracy"] > 0.95
    out = capsys.readouterr().out
    assert "test accuracy" in out and "time per epoch" in out


def test_dropout_is_keyed_and_inactive_without_a_key():
    example = load_example()
    from numbax import random
    params = example["init_params"](random.key(1))
    images = np.random.default_rng(0).random((4, 8, 8, 1), dtype=np.float32)
    plain = example["log_probs"](params, images)
    again = example["log_probs"](params, images)
    np.testing.assert_array_equal(plain, again)
    a = example["log_probs"](params, images, random.key(2))
    b = example["log_probs"](params, images, random.key(3))
    assert not np.allclose(a, b)
    np.testing.assert_allclose(np.exp(plain).sum(-1), 1.0, rtol=1e-5)


def test_missing_scikit_learn_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(SystemExit, match=r"pip install 'numbax\[examples\]'"):
        load_example()["main"](["--epochs", "1"])
