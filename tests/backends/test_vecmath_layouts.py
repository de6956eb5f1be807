"""Every vecmath function is inlined and vectorised in every kernel layout: flat, rows, nd,
full reduction and reduction over trailing axes. The kernels are compiled in memory (so their
LLVM IR is kept) and the IR must hold vector arithmetic of some width and no call at all: a
call left in the loop (a helper LLVM did not inline, or libm) keeps the loop scalar."""
import re

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax import lax
from numbax.backends.numba import executable, vecmath
from numbax.backends.numba.kernels import compile_in_memory, get_kernel

# The vectorised loop may call LLVM intrinsics only (sqrt, fabs, fma... have vector forms).
_CALL = re.compile(r"\bcall [^\n]*?@([\w.$]+)\(")
_VECTOR_ARITHMETIC = re.compile(
    r"= (fadd|fsub|fmul|fdiv|fneg|select|fcmp)\b[^\n]*<\d+ x (float|double)>")
LAYOUTS = ("flat", "rows", "nd", "sum", "sum_last")
# The layouts' kernel signatures (codegen.plan_kernel), to check the layout was the intended one.
_SIGNATURE = {"flat": r"\bn\):", "rows": r"\brows, inner\):", "nd": r"\bshape\):",
              "sum": r"\br0, n\):", "sum_last": r"\br0, rows, inner\):"}
# Functions covering each kind of implementation for the layouts other than flat: native
# float32 (exp), through float64 (expm1), Numba-inlined and binary (pow), flagged for the libm
# fallback (tan). The rest, special functions included, run with the slow tests.
REPRESENTATIVE = ("exp", "expm1", "pow", "tan")


def _function(name):
    return getattr(lax, name)


def _program(name, layout):
    """A program whose only vecmath call is `name`, fused in the given layout."""
    f = _function(name)
    apply = (lambda u: f(u, u * 0.5 + 1.0)) if name in vecmath.BINARY else f
    if layout == "flat":
        return lambda x, b: apply(x)
    if layout == "rows":  # a bias along the inner (contiguous) dimension
        return lambda x, b: apply(x + b[None, :])
    if layout == "nd":  # operands broadcast along different axes: no rows x inner tiling
        return lambda x, b: apply(x[:, None, :] + x[None, :, :])
    if layout == "sum":
        return lambda x, b: xnp.sum(apply(x))
    return lambda x, b: xnp.sum(apply(x), axis=-1)


def _compiled_kernels(monkeypatch, fn, *args):
    """Run jit(fn) on args with every kernel compiled in memory; [(source, kernel)]."""
    made = []

    def in_memory(source, *more, **options):
        if more or options:  # not a group's loop kernel (a driver calling it, say)
            return get_kernel(source, *more, **options)
        kernel = compile_in_memory(source)
        made.append((source, kernel))
        return kernel

    monkeypatch.setattr(executable, "get_kernel", in_memory)
    result = nb.jit(fn)(*args)
    return made, result


def check_vectorised(monkeypatch, name, dtype, layout):
    x = np.linspace(0.1, 0.9, 48 * 64).astype(dtype).reshape(48, 64)
    if layout == "nd":
        x = x[:16].copy()
    b = x[0].copy()
    fn = _program(name, layout)
    made, result = _compiled_kernels(monkeypatch, fn, x, b)
    symbol = f"vm.{vecmath.FUNCTIONS[name][dtype == np.float64]}("
    mine = [(s, k) for s, k in made if symbol in s]
    assert len(mine) == 1, f"{name}: expected one kernel calling {symbol}, got {len(mine)}"
    source, kernel = mine[0]
    assert re.search(_SIGNATURE[layout], source.splitlines()[0]), (layout, source)
    with np.errstate(all="ignore"):
        expected = nb.jit(fn, backend="interpreter")(x, b)
    np.testing.assert_allclose(result, expected, rtol=1e-4 if dtype == np.float32 else 1e-10)
    for sig in kernel.signatures:
        body = _kernel_function(kernel.inspect_llvm(sig))
        # Inlined: no call to vecmath's (mangled) functions anywhere in the kernel.
        assert "vecmath" not in "".join(_CALL.findall(body)), f"{name} {layout}: not inlined"
        loops = _vector_loops(body)
        assert loops, f"{name} {layout}: no vectorised loop"
        calls = {c for c in _CALL.findall(loops) if not c.startswith("llvm.")}
        assert not calls, f"{name} {layout}: calls left in the vector loop: {sorted(calls)}"
        assert _VECTOR_ARITHMETIC.search(loops), f"{name} {layout}: no vector arithmetic"


def _kernel_function(llvm: str) -> str:
    """The kernel's own function in a module's IR (not its Python wrapper or cfunc)."""
    start = re.search(r"^define [^\n]*@_ZN13_3cdynamic_3e6kernel", llvm, re.MULTILINE)
    assert start, "kernel function not found in the IR"
    return llvm[start.start():llvm.index("\n}\n", start.start())]


def _vector_loops(function: str) -> str:
    """The basic blocks of the function's vectorised loops (labels vector.body...)."""
    blocks = re.split(r"^(?=[\w.$-]+:)", function, flags=re.MULTILINE)
    return "".join(b for b in blocks if b.startswith("vector.body"))


DTYPES = [np.float32, np.float64]


# The special functions' float32 variants only round their float64 ones, whose kernels take
# seconds to compile: those run with the slow tests.
_FLAT = [pytest.param(name, dtype, marks=[pytest.mark.slow] if (
    name in vecmath.SPECIAL_FUNCTIONS and name not in REPRESENTATIVE and dtype == np.float32)
    else []) for name in sorted(vecmath.FUNCTIONS) for dtype in DTYPES]


@pytest.mark.parametrize("name,dtype", _FLAT)
def test_every_function_vectorises_in_the_flat_layout(monkeypatch, name, dtype):
    check_vectorised(monkeypatch, name, dtype, "flat")


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("layout", LAYOUTS[1:])
@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_representative_functions_vectorise_in_every_layout(monkeypatch, name, layout, dtype):
    check_vectorised(monkeypatch, name, dtype, layout)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("layout", LAYOUTS[1:])
@pytest.mark.parametrize("name", sorted(set(vecmath.FUNCTIONS) - set(REPRESENTATIVE)))
def test_every_function_vectorises_in_every_layout(monkeypatch, name, layout, dtype):
    check_vectorised(monkeypatch, name, dtype, layout)
