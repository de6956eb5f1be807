"""The text report: one table per suite and the notes on failed or mismatched methods."""
from __future__ import annotations

from .chains import CHAIN_METHODS
from .conv import format_conv
from .functions import format_functions
from .harness import fmt_time
from .machine import format_header, format_threads
from .mlp import MLP_METHODS

# Chains that only move data (x*y, then +1): what the prange comparison is about, at the sizes
# where threads pay (N >= MEMORY_BOUND_MIN_N).
MEMORY_BOUND_KS = (1, 2)
MEMORY_BOUND_MIN_N = 1_000_000


def _fmt_ratio(r: float | None) -> str:
    if r is None:
        return "-"
    return f"{r:.2f}" if r < 10 else f"{r:.1f}" if r < 100 else f"{r:.0f}"


def _time_cell(tm: dict) -> str:
    if tm["error"] is not None:
        return "ERR"
    return fmt_time(tm["median_s"]) + ("!" if tm["check"] else "")


def _contended(cores: float | None) -> str:
    return f"  [contended: other processes used {cores:.2f} cores]" if cores and cores >= 0.25 else ""


def _prange_lines(cells: list) -> list[str]:
    """numbax's time over the hand-written prange loop's (nb_par) for the memory-bound chains
    at N >= MEMORY_BOUND_MIN_N: the issue's target is at most 1.3."""
    rows = [c for c in cells if c["k"] in MEMORY_BOUND_KS and not c["reduce"]
            and c["n"] >= MEMORY_BOUND_MIN_N and "nb_par" in c["methods"]]
    if not rows:
        return []
    out = ["", "Memory-bound chains, numbax time / hand-written numba.njit(parallel=True) prange "
               "loop time (target <= 1.3):"]
    for c in rows:
        a, b = c["methods"]["numbax"]["median_s"], c["methods"]["nb_par"]["median_s"]
        out.append(f"  {c['dtype']:<8} N={c['n']:.0e} {c['chain']:<6} numbax {fmt_time(a):>9}  "
                   f"prange {fmt_time(b):>9}  ratio {_fmt_ratio(a / b if a and b else None)}"
                   + _contended(c["foreign_cores"]))
    return out


def _scan_lines(scan: dict, meta: dict) -> list[str]:
    methods = list(scan["methods"])
    out = ["", f"== Scan: {scan['program']}; time per call and per step"
               f"{_contended(scan['foreign_cores'])}", format_threads(meta, "scan", methods)]
    for m, tm in scan["methods"].items():
        per = tm.get("per_step_s")
        step = f"{per * 1e9:.0f}ns" if per else "-"  # steps take tens of nanoseconds
        out.append(f"  {m:<8} {_time_cell(tm):>10}  per step {step:>9}")
    return out


def format_report(report: dict) -> str:
    """The text tables of a report (the dict that --json writes), as printed on stdout."""
    out: list[str] = []
    meta = report["meta"]
    out += format_header(meta)
    out.append("Times are medians per call. x floor: time / bandwidth floor (1.0 = memory speed); "
               "x numbax: time / numbax time (above 1: numbax is faster).")
    notes: dict[str, list[str]] = {}  # message -> where it happened

    def note(method: str, tm: dict, where: str) -> None:
        text = tm["error"] if tm["error"] is not None else tm["check"]
        if text:
            notes.setdefault(f"{method}: {text}", []).append(where)

    if report.get("functions"):
        out += format_functions(report["functions"])
        out.append("threads: numbax 1 (serial), numpy 1")
    chains = report.get("chains")
    if chains:
        methods = [m for m in CHAIN_METHODS if any(m in c["methods"] for c in chains["cells"])]
        others = [m for m in methods if m != "numbax"]
        w = 9
        out += ["", "Chains, " + format_threads(meta, "chains", methods)]
        for floor in chains["floors"]:
            cells = [c for c in chains["cells"] if c["dtype"] == floor["dtype"] and c["n"] == floor["n"]]
            parts = ", ".join(f"{k} {fmt_time(v['median_s'])}" for k, v in floor["parts"].items())
            gbps = f" = {floor['gb_per_s']:.1f} GB/s" if floor["gb_per_s"] else ""
            out.append("")
            out.append(f"== {floor['dtype']} N={floor['n']:.0e}  floor {fmt_time(floor['floor_s'])}{gbps} "
                       f"(read 2, write 1; {parts}){_contended(floor['foreign_cores'])}")
            head = (f"{'chain':<8}" + "".join(f"{m:>{w}}" for m in methods)
                    + " | x floor:" + "".join(f"{m:>7}" for m in methods)
                    + " | x numbax:" + "".join(f"{m:>7}" for m in others))
            out.append(head)
            for c in cells:
                row = f"{c['chain']:<8}" + "".join(f"{_time_cell(c['methods'][m]):>{w}}"
                                                    if m in c["methods"] else f"{'-':>{w}}" for m in methods)
                to_floor, to_numbax = c["ratio_to_floor"], c["ratio_to_numbax"]
                row += " |        " + "".join(f"{_fmt_ratio(to_floor.get(m)):>7}" for m in methods)
                row += " |          " + "".join(f"{_fmt_ratio(to_numbax.get(m)):>7}" for m in others)
                out.append(row + _contended(c["foreign_cores"]))
                for m, tm in c["methods"].items():
                    note(m, tm, f"{c['dtype']} N={c['n']:.0e} {c['chain']}")
        # First calls: compile (or disk-cache load) time, at each chain's first size.
        out.append("")
        out.append("First call (includes compiling, or loading numbax's disk cache), at the first size run:")
        comp = ["numbax", "nb_ser", "nb_par", "jax", "interp"]
        comp = [m for m in comp if m in methods]
        out.append(f"{'dtype':<8} {'chain':<8}" + "".join(f"{m:>10}" for m in comp))
        seen: set = set()
        for c in chains["cells"]:
            key = (c["dtype"], c["chain"])
            if key in seen:
                continue
            seen.add(key)
            firsts = [fmt_time(c["methods"][m]["first_call_s"]) if m in c["methods"] else "-" for m in comp]
            out.append(f"{c['dtype']:<8} {c['chain']:<8}" + "".join(f"{v:>10}" for v in firsts))
        out += _prange_lines(chains["cells"])
    mlp = report.get("mlp")
    if mlp:
        out.append("")
        out.append(f"== MLP, 3 tanh layers, batch {mlp[0]['batch']}, width {mlp[0]['width']} "
                   "(value_and_grad: jit(value_and_grad(loss)); numpy: hand-written backward)")
        methods = [m for m in MLP_METHODS if m in mlp[0]["forward"]]
        out.append(format_threads(meta, "mlp", methods))
        out.append(f"{'':<26}" + "".join(f"{m:>10}" for m in methods))
        for row in mlp:
            for part in ("forward", "value_and_grad"):
                out.append(f"{row['dtype'] + ' ' + part:<26}" + "".join(
                    f"{_time_cell(row[part][m]):>10}" for m in methods) + _contended(row["foreign_cores"]))
                for m in methods:
                    note(m, row[part][m], f"MLP {row['dtype']} {part}")
            out.append(f"{row['dtype'] + ' vg / forward':<26}" + "".join(
                f"{_fmt_ratio(row['vg_over_forward'].get(m)):>10}" for m in methods))
            base = row["value_and_grad"]["numbax"]["median_s"]
            out.append(f"{row['dtype'] + ' vg x numbax':<26}" + "".join(
                f"{_fmt_ratio(row['value_and_grad'][m]['median_s'] / base if base and row['value_and_grad'][m]['median_s'] else None):>10}"  # noqa: E501
                for m in methods))
    conv = report.get("conv")
    if conv:
        out += format_conv(conv, _time_cell, _fmt_ratio)
        out.append(format_threads(meta, "conv", list(conv[0]["forward"])))
    disp = report.get("dispatch")
    if disp:
        out.append("")
        out.append(f"== Dispatch: {disp['call']}, time per call{_contended(disp['foreign_cores'])}")
        out.append("  " + "   ".join(f"{k} {_time_cell(v)}" for k, v in disp["methods"].items()))
        for m, tm in disp["methods"].items():
            note(m, tm, "dispatch")
    scan = report.get("scan")
    if scan:
        out += _scan_lines(scan, meta)
        for m, tm in scan["methods"].items():
            note(m, tm, "scan")
    comp_rep = report.get("compile")
    if comp_rep:
        cold, warm = comp_rep["cold_cache"], comp_rep["warm_cache"]
        out.append("")
        out.append(f"== Compile: {comp_rep['program']}, fresh processes")
        c = {k: fmt_time(v) for k, v in cold.items() if isinstance(v, float)}
        w = {k: fmt_time(v) for k, v in warm.items() if isinstance(v, float)}
        out.append(f"  empty disk cache: import numbax {c.get('import_s', '-')}, first call "
                   f"{c.get('first_call_s', '-')} (target under 300ms), second call "
                   f"{c.get('second_call_s', '-')}, "
                   f"new program in the same process {c.get('new_program_first_call_s', '-')}; "
                   f"interpreter first call {c.get('interpreter_first_call_s', '-')}")
        out.append(f"  warm disk cache:  import numbax {w.get('import_s', '-')}, time to first result "
                   f"{w.get('first_call_s', '-')}, float64 program {w.get('new_program_first_call_s', '-')}")
        for name, r in (("compile, empty cache", cold), ("compile, warm cache", warm)):
            if "error" in r:
                notes.setdefault(f"numbax: {r['error']}", []).append(name)
    if notes:
        out.append("")
        out.append("Notes (ERR: the method failed; !: its result disagreed with NumPy):")
        for text, wheres in notes.items():
            more = f" and {len(wheres) - 3} more" if len(wheres) > 3 else ""
            out.append(f"  {text}  [{', '.join(wheres[:3])}{more}]")
    out.append("")
    out.append(f"Total benchmark time {meta['total_s']:.1f}s.")
    return "\n".join(out)
