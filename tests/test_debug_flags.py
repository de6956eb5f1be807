"""JAX's debugging flags: debug_nans, debug_infs, log_compiles, explain_cache_misses, their
environment variables, and clear_caches."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax import lax
from numbax.config import Config
from numbax.core import trace as core_trace

HERE = os.path.abspath(__file__)
FLAGS = ("debug_nans", "debug_infs", "log_compiles", "explain_cache_misses")


def line_of(marker: str) -> int:
    """The line number of the (single) line of this file that ends with `# marker`."""
    with open(HERE) as f:
        hits = [i for i, line in enumerate(f, 1) if line.rstrip().endswith(f"# {marker}")]
    assert len(hits) == 1, marker
    return hits[0]


def at(marker: str) -> str:
    """How messages name that line: `path/test_debug_flags.py:12`."""
    return f"{HERE}:{line_of(marker)}"


@pytest.fixture(autouse=True)
def restore_config():
    saved = dict(nb.config._values)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's own log(-1) warnings
            yield
    finally:
        for name, value in saved.items():
            nb.config.update(name, value)
    assert len(core_trace.trace_stack) == 1 and core_trace.dynamic_trace is None


def log_of_shifted(x):
    y = xnp.sin(x)
    z = xnp.log(y - 2.0)  # NAN-LOG
    return z * 2.0


def sum_log(x):
    return xnp.sum(log_of_shifted(x))


# ---------------------------------------------------------------------------------------------
# debug_nans / debug_infs


def test_flags_are_off_by_default_and_nans_flow_through():
    assert not any(getattr(nb.config, f) for f in FLAGS)
    assert np.isnan(log_of_shifted(np.ones(3))).all()
    assert np.isnan(nb.jit(log_of_shifted)(np.ones(3))).all()


@pytest.mark.parametrize("how", ["eager", "grad", "vmap", "jvp"])
def test_debug_nans_names_the_primitive_and_the_users_line(how):
    nb.config.update("debug_nans", True)
    x = np.ones(3)
    run = {"eager": lambda: log_of_shifted(x),
           "grad": lambda: nb.grad(sum_log)(x),
           "vmap": lambda: nb.vmap(log_of_shifted)(x),
           "jvp": lambda: nb.jvp(log_of_shifted, (x,), (x,))}[how]
    with pytest.raises(FloatingPointError) as info:
        run()
    message = str(info.value)
    assert message.startswith("invalid value (nan) encountered in log at ")
    assert f"{at('NAN-LOG')} (in log_of_shifted)" in message
    assert "debug_nans is on" in message


@pytest.mark.parametrize("backend", ["numba", "interpreter"])
def test_under_jit_the_unfused_rerun_finds_the_equation(backend):
    nb.config.update("debug_nans", True)
    f = nb.jit(log_of_shifted, backend=backend)
    with pytest.raises(FloatingPointError) as info:
        f(np.ones(3))  # JIT-CALL
    message = str(info.value)
    assert "encountered in log at" in message and at("NAN-LOG") in message
    (note,) = info.value.__notes__
    assert "running jit(log_of_shifted) again one equation at a time" in note
    assert at("JIT-CALL") in note


def test_clean_values_run_normally_with_the_flags_on():
    nb.config.update("debug_nans", True)
    nb.config.update("debug_infs", True)
    f = nb.jit(lambda x: xnp.log(x) * 2.0)
    for _ in range(2):  # the traced call, then the cached one
        np.testing.assert_allclose(f(np.full(3, 2.0)), np.full(3, 2 * np.log(2.0)))
    np.testing.assert_allclose(nb.grad(lambda x: xnp.sum(xnp.log(x)))(np.full(2, 2.0)), [0.5, 0.5])


def test_the_flag_is_part_of_the_jit_key_and_flipping_it_back_reuses_the_first_entry():
    f = nb.jit(log_of_shifted)
    x = np.ones(3)
    assert np.isnan(f(x)).all()
    nb.config.update("debug_nans", True)
    with pytest.raises(FloatingPointError):
        f(x)
    nb.config.update("debug_nans", False)
    assert np.isnan(f(x)).all()
    assert f.cache_info()["misses"] == 2  # one trace per flag value, none for going back


def test_only_executables_compiled_with_a_flag_on_check_their_outputs():
    f = nb.jit(lambda x: x + 1.0)
    f(np.ones(2))
    (plain,) = f._fast.values()
    assert plain.executable.__name__ != "run_checked"  # the cached call pays nothing
    nb.config.update("debug_nans", True)
    f(np.ones(2))
    checking = [c.executable.__name__ == "run_checked" for c in f._fast.values()]
    assert sorted(checking) == [False, True]  # one entry per flag value


def test_a_nested_jit_reports_the_inner_functions_line():
    nb.config.update("debug_nans", True)
    inner = nb.jit(lambda x: xnp.sqrt(x - 5.0))  # INNER-SQRT
    outer = nb.jit(lambda x: inner(xnp.cos(x)) + 1.0)
    with pytest.raises(FloatingPointError, match=r"encountered in sqrt at") as info:
        outer(np.ones(2))
    assert at("INNER-SQRT") in str(info.value)


def test_grad_of_jit_reports_the_line_inside_the_jitted_function():
    nb.config.update("debug_nans", True)
    with pytest.raises(FloatingPointError) as info:
        nb.grad(lambda x: xnp.sum(nb.jit(log_of_shifted)(x)))(np.ones(3))
    assert "encountered in log at" in str(info.value) and at("NAN-LOG") in str(info.value)


def test_a_loop_body_is_searched_too():
    nb.config.update("debug_nans", True)

    def body(carry):
        i, x = carry
        return i + 1, xnp.log(x - 1.5)  # LOOP-LOG

    def f(x):
        return lax.while_loop(lambda c: c[0] < 3, body, (0, x))[1]

    for run in (f, nb.jit(f)):
        with pytest.raises(FloatingPointError, match="encountered in log at") as info:
            run(np.full(2, 3.0))
        assert at("LOOP-LOG") in str(info.value)


def test_like_jax_a_nan_input_is_blamed_on_the_first_primitive_that_outputs_it():
    nb.config.update("debug_nans", True)
    f = nb.jit(lambda x: xnp.sin(x) + 1.0)  # NAN-INPUT
    with pytest.raises(FloatingPointError, match="encountered in sin at") as info:
        f(np.array([0.0, np.nan]))
    assert at("NAN-INPUT") in str(info.value)


def test_a_nan_passed_straight_through_jit_is_reported_as_such():
    nb.config.update("debug_nans", True)
    with pytest.raises(FloatingPointError, match="in the output of jit.*produced none"):
        nb.jit(lambda x: x)(np.full(2, np.nan))


def test_debug_infs():
    nb.config.update("debug_infs", True)
    with pytest.raises(FloatingPointError) as info:
        nb.jit(lambda x: 1.0 / x)(np.zeros(2))  # INF-DIV
    message = str(info.value)
    assert message.startswith("invalid value (inf) encountered in div at ")
    assert at("INF-DIV") in message and "debug_infs is on" in message
    # debug_infs alone lets NaNs through, and the reverse.
    assert np.isnan(nb.jit(lambda x: xnp.log(x))(-np.ones(2))).all()
    nb.config.update("debug_infs", False)
    nb.config.update("debug_nans", True)
    assert np.isinf(nb.jit(lambda x: 1.0 / x)(np.zeros(2))).all()


def test_an_inf_in_the_derivative_names_the_forward_line():
    nb.config.update("debug_infs", True)
    with pytest.raises(FloatingPointError) as info:
        nb.grad(lambda x: xnp.sum(xnp.sqrt(x)))(np.zeros(2))  # SQRT-GRAD
    assert at("SQRT-GRAD") in str(info.value)


def test_integer_outputs_are_not_checked():
    nb.config.update("debug_nans", True)
    nb.config.update("debug_infs", True)
    np.testing.assert_array_equal(nb.jit(lambda x: x * 2)(np.arange(3)), [0, 2, 4])


# ---------------------------------------------------------------------------------------------
# log_compiles and explain_cache_misses


def numbax_records(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "numbax"]


def test_log_compiles_logs_each_trace_and_compile_with_the_signature(caplog):
    nb.config.update("log_compiles", True)

    def scale(x, y):
        return x * y

    f = nb.jit(scale)
    with caplog.at_level(logging.WARNING, logger="numbax"):
        f(np.ones((3, 4), np.float32), np.float64(2.0))
        f(np.ones((3, 4), np.float32), np.float64(3.0))  # cached: nothing logged
    trace, compile_ = numbax_records(caplog)
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.name == "numbax")
    assert trace.startswith("Finished tracing jit(scale) for scale(x: f32[3,4], y: f64[])")
    assert compile_.startswith("Compiled jit(scale) for scale(x: f32[3,4], y: f64[]) on "
                               "backend numba")


def test_nothing_is_logged_with_the_flags_off(caplog):
    with caplog.at_level(logging.DEBUG, logger="numbax"):
        nb.jit(lambda x: x + 1.0)(np.ones(2))
    assert numbax_records(caplog) == []


def test_log_compiles_shows_static_arguments_and_pytree_paths(caplog):
    nb.config.update("log_compiles", True)

    def step(params, n):
        return params["w"] * n

    with caplog.at_level(logging.WARNING, logger="numbax"):
        nb.jit(step, static_argnums=1)({"w": np.ones(2, np.float32)}, 3)
    assert "step(params['w']: f32[2], n: static 3)" in numbax_records(caplog)[0]


def explain(caplog, f, *calls) -> list[str]:
    nb.config.update("explain_cache_misses", True)
    with caplog.at_level(logging.WARNING, logger="numbax"):
        for args in calls:
            f(*args)  # EXPLAIN-CALL
    return [m for m in numbax_records(caplog) if m.startswith("TRACING CACHE MISS")]


def test_explain_cache_misses_names_the_changed_shape(caplog):
    def norm(x, y):
        return xnp.sum(x) * xnp.sum(y)

    first, second = explain(caplog, nb.jit(norm), (np.ones(3), np.ones(3)),
                            (np.ones(3), np.ones(3)), (np.ones(3), np.ones(4)))
    assert "jit(norm) traces for the first time" in first
    assert "jit(norm) traces again" in second and at("EXPLAIN-CALL") in second
    assert "y was f64[3] and is now f64[4]" in second and "x was" not in second


def test_explain_cache_misses_names_the_changed_dtype_and_static_value(caplog):
    def power(x, n):
        return x ** n

    f = nb.jit(power, static_argnums=1)
    _, dtype_miss, static_miss = explain(caplog, f, (np.ones(2), 2), (np.ones(2, np.float32), 2),
                                         (np.ones(2, np.float32), 3))
    assert "x was f64[2] and is now f32[2]" in dtype_miss
    assert "n was static 2 and is now static 3" in static_miss
    assert "x was" not in static_miss  # compared with the closest signature, the f32 one


def test_explain_cache_misses_names_a_changed_tree_structure(caplog):
    f = nb.jit(lambda p: p["a"] + 1.0)
    _, miss = explain(caplog, f, ({"a": np.ones(2)},), ({"a": np.ones(2), "b": np.ones(1)},))
    assert "tree structure changed" in miss and "p['b'] is new (f64[1])" in miss


def test_explain_cache_misses_names_a_config_change(caplog):
    f = nb.jit(lambda x: x + 1.0)
    explain(caplog, f, (np.ones(2),))
    nb.config.update("fast_math", not nb.config.fast_math)
    with caplog.at_level(logging.WARNING, logger="numbax"):
        f(np.ones(2))
    assert "numbax.config fast_math was" in numbax_records(caplog)[-1]


# ---------------------------------------------------------------------------------------------
# clear_caches


def test_clear_caches_forgets_every_jit_and_backend_cache():
    from numbax.backends import _executables
    from numbax.backends.numba import kernels
    from numbax.interpreters import call_rules

    f = nb.jit(lambda x: xnp.sin(x) * 2.0 + 1.0)
    g = nb.jit(lambda x: x - 1.0, backend="interpreter")
    x = np.ones(64)
    f(x), g(x), nb.grad(lambda x: xnp.sum(f(x)))(x)
    assert f.cache_info()["size"] == g.cache_info()["size"] == 1
    assert len(_executables) and len(kernels._memory)
    nb.clear_caches()
    assert f.cache_info()["size"] == g.cache_info()["size"] == 0
    assert not f._fast and not len(_executables) and not len(call_rules._memo)
    assert not len(kernels._memory)
    misses = f.cache_info()["misses"]
    np.testing.assert_allclose(f(x), np.sin(x) * 2.0 + 1.0)
    assert f.cache_info()["misses"] == misses + 1


# ---------------------------------------------------------------------------------------------
# The config object and the environment


def test_options_read_as_attributes_and_update_checks_types():
    for flag in FLAGS:
        nb.config.update(flag, True)
        assert getattr(nb.config, flag) is True
    with pytest.raises(TypeError, match="takes a bool"):
        nb.config.update("debug_nans", 1)


def test_debug_flags_key_compiled_code_and_logging_flags_do_not():
    before = nb.config.state()
    nb.config.update("log_compiles", True)
    nb.config.update("explain_cache_misses", True)
    assert nb.config.state() == before
    nb.config.update("debug_nans", True)
    assert nb.config.state() != before


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize(("value", "on"), [("1", True), ("true", True), ("0", False),
                                           ("", False)])
def test_each_flag_has_an_environment_variable(monkeypatch, flag, value, on):
    monkeypatch.setenv(f"NUMBAX_{flag.upper()}", value)
    fresh = Config()
    assert getattr(fresh, flag) is on
    assert all(getattr(fresh, other) is False for other in FLAGS if other != flag)


def test_environment_variables_take_effect_in_a_new_process():
    env = dict(os.environ, NUMBAX_DEBUG_NANS="1", NUMBAX_DEBUG_INFS="1", NUMBAX_LOG_COMPILES="1",
               NUMBAX_EXPLAIN_CACHE_MISSES="1", NUMBAX_LAZY_NUMBA="1")
    code = (
        "import numpy as np, numbax as nb, numbax.numpy as xnp\n"
        "print([getattr(nb.config, f) for f in "
        "('debug_nans', 'debug_infs', 'log_compiles', 'explain_cache_misses')])\n"
        "nb.jit(lambda x: x + 1.0, backend='interpreter')(np.ones(2))\n"
        "try:\n"
        "    xnp.log(-np.ones(2))\n"
        "except FloatingPointError as e:\n"
        "    print('raised:', e)\n")
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "[True, True, True, True]" in out.stdout
    assert "raised: invalid value (nan) encountered in log" in out.stdout
    # logging's last-resort handler prints WARNING records to stderr
    assert "TRACING CACHE MISS: jit(<lambda>) traces for the first time" in out.stderr
    assert "Finished tracing jit(<lambda>) for <lambda>(x: f64[2])" in out.stderr
