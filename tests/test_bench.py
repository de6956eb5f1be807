"""numbax.bench end to end at tiny sizes: the report header names the machine, BLAS and
threading, every table states its methods' threads, and --json / --plot write their files."""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys

import numpy as np
import pytest

from numbax.bench import cli, machine
from numbax.bench.plot import MISSING

TINY = ["--quick", "--no-jax", "--dtypes", "float64", "--sizes", "1000", "--ks", "1",
        "--scan-length", "200", "--sections", "dispatch,chains,scan"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One tiny run with --json into a folder and --plot when matplotlib is installed."""
    folder = tmp_path_factory.mktemp("bench")
    png = folder / "chains.png"
    try:
        import matplotlib  # noqa: F401
        plot = ["--plot", str(png)]
    except ImportError:
        plot = []
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(TINY + ["--json", str(folder)] + plot) == 0
    files = list(folder.glob("*.json"))
    return {"text": out.getvalue(), "json": files, "png": png if plot else None}


def test_header_names_machine_blas_and_threads(run):
    text = run["text"]
    head = "\n".join(text.splitlines()[:4])
    assert machine.cpu_model() in head
    assert "BLAS: " in head and "numba threading layer" in head
    assert f"numbax {machine.numbax_threads()} threads" in head
    blas = machine.blas_info()
    if blas["core"]:  # OpenBLAS: the kernel it picked for this CPU
        assert f"kernel {blas['core']}" in head


def test_every_table_states_threads_and_new_sections_appear(run):
    text = run["text"]
    assert "Chains, threads: numbax" in text and "nb_par" in text and "(prange)" in text
    assert "== Scan:" in text and "per step" in text
    scan_block = text[text.index("== Scan:"):]
    assert "threads: numbax 1" in scan_block


def test_json_named_after_machine_and_date(run):
    (path,) = run["json"]
    report = json.loads(path.read_text())
    meta = report["meta"]
    assert path.name == f"{meta['slug']}-{meta['date']}.json"
    assert meta["cpu"] == machine.cpu_model() and meta["cpus"] >= 1
    assert {"library", "core", "threads"} <= set(meta["blas"])
    per_step = report["scan"]["methods"]["numbax"]["per_step_s"]
    assert per_step is not None and per_step > 0
    # The memory-bound ratio against prange is reported from N >= 1e6 only.
    assert all(c["n"] == 1000 for c in report["chains"]["cells"])


def test_plot_writes_png(run):
    if run["png"] is None:
        pytest.skip("matplotlib is not installed (pip install numbax[plot])")
    assert run["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_fails_before_running(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    with pytest.raises(SystemExit) as exc:
        cli.main(TINY + ["--plot", str(tmp_path / "x.png")])
    assert exc.value.code == 2
    assert MISSING in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_blas_environment_warning(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    meta = dict(machine.machine_info(), python="3", numpy=np.__version__, numba="0",
                jax=None, loadavg="0")
    lines = machine.format_header(meta)
    assert any(line.startswith("WARNING: OPENBLAS_CORETYPE=Haswell") for line in lines)


def test_json_path_rules():
    meta = {"slug": "cpu-2cpu", "date": "2026-01-02"}
    assert str(cli.json_path("r.json", meta)) == "r.json"
    assert str(cli.json_path("out", meta)) == os.path.join("out", "cpu-2cpu-2026-01-02.json")
    assert cli.json_path("", meta).parent == cli.RESULTS_DIR


def test_unknown_section_is_an_error(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--sections", "chains,bogus"])
    assert "bogus" in capsys.readouterr().err
