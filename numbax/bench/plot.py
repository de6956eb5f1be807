"""``--plot FILE.png``: the chains suite's time against N, one panel per dtype and chain.

matplotlib is an optional extra (``pip install numbax[plot]``), imported only here and only
when a plot is asked for; the figure is drawn without pyplot, so no global backend changes.
"""
from __future__ import annotations

from typing import Any

from .chains import CHAIN_METHODS

MISSING = "--plot needs matplotlib, which is not installed: pip install numbax[plot]"


def require_matplotlib() -> None:
    """Raise ImportError with the install hint when matplotlib is missing (checked before
    the benchmark runs, so a missing extra fails in a second, not after the run)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as err:
        raise ImportError(MISSING) from err


def write_plot(report: dict, path: str) -> None:
    """Draw time per call against N (log-log) for each method, one panel per (dtype, chain)
    of report["chains"], with the bandwidth floor dashed, and save it to path.

    >>> write_plot({"meta": {"cpu": "cpu", "cpus": 1}, "chains": None}, "x.png")
    Traceback (most recent call last):
    ...
    ValueError: --plot needs the chains section (nothing to plot)
    """
    chains = report.get("chains")
    if not chains or not chains["cells"]:
        raise ValueError("--plot needs the chains section (nothing to plot)")
    require_matplotlib()
    from matplotlib.figure import Figure

    cells = chains["cells"]
    dtypes = list(dict.fromkeys(c["dtype"] for c in cells))
    labels = list(dict.fromkeys(c["chain"] for c in cells))
    fig = Figure(figsize=(3.2 * len(labels), 2.8 * len(dtypes)), layout="constrained")
    axes = fig.subplots(len(dtypes), len(labels), squeeze=False, sharex=True)
    for row, dtype in enumerate(dtypes):
        floors = sorted((f["n"], f["floor_s"]) for f in chains["floors"]
                        if f["dtype"] == dtype and f["floor_s"])
        for col, label in enumerate(labels):
            ax: Any = axes[row][col]
            mine = sorted((c for c in cells if c["dtype"] == dtype and c["chain"] == label),
                          key=lambda c: c["n"])
            for method in CHAIN_METHODS:
                points = [(c["n"], c["methods"][method]["median_s"]) for c in mine
                          if method in c["methods"] and c["methods"][method]["median_s"]]
                if points:
                    ax.plot(*zip(*points), marker="o", label=method)
            if floors:
                ax.plot(*zip(*floors), linestyle="--", color="gray", label="floor")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"{dtype} {label}", fontsize=9)
            if col == 0:
                ax.set_ylabel("time per call (s)")
            if row == len(dtypes) - 1:
                ax.set_xlabel("N")
    axes[0][0].legend(fontsize=7)
    meta = report["meta"]
    fig.suptitle(f"numbax-bench chains on {meta['cpu']}, {meta['cpus']} CPUs", fontsize=10)
    fig.savefig(path, dpi=100)
