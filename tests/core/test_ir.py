"""The IR: printing, Literals, the type checker and eval_jaxpr."""
from __future__ import annotations

import re

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.backends.interpreter import run_closed_jaxpr
from numbax.core.avals import ShapedArray
from numbax.core.ir import ClosedJaxpr, Eqn, Jaxpr, JaxprTypeError, Literal, Var, eval_jaxpr, typecheck
from numbax.core.primitives import primitives

F64_3 = ShapedArray((3,), np.dtype(np.float64))


def test_printer_matches_the_jax_style_listing():
    closed = nb.make_jaxpr(lambda x, y: xnp.sin(x * y).sum())(np.ones(3), np.ones(3))
    closed.check()
    assert str(closed) == ("{ lambda ; a:f64[3] b:f64[3]. let c:f64[3] = mul a b; d:f64[3] = sin c; "
                           "e:f64[] = reduce_sum[axes=(0,)] d in (e,) }")
    assert repr(closed) == str(closed) == str(closed.jaxpr)


def test_printer_lists_constvars_and_multiple_outputs():
    const = np.arange(3.0)
    closed = nb.make_jaxpr(lambda x: (x + const, x))(np.ones(3))
    closed.check()
    assert str(closed) == "{ lambda a:f64[3]; b:f64[3]. let c:f64[3] = add b a in (c, b) }"
    assert closed.consts == [const]


def test_long_programs_print_one_equation_per_line():
    def f(x):
        for _ in range(8):
            x = xnp.cos(xnp.sin(x))
        return x
    closed = nb.make_jaxpr(f)(np.ones((2, 2), np.float32))
    closed.check()
    lines = str(closed).splitlines()
    assert lines[0] == "{ lambda ; a:f32[2,2]. let"
    assert len(lines) == 2 + len(closed.eqns)
    assert all(re.fullmatch(r"    \w+:f32\[2,2\] = (sin|cos) \w+", line) for line in lines[1:-1])
    assert lines[-1].strip() == f"in ({lines[-2].split(':')[0].strip()},) }}"


def test_variable_names_stay_unique_past_z():
    def f(x):
        for _ in range(30):
            x = xnp.sin(x)
        return x
    closed = nb.make_jaxpr(f)(np.ones(()))
    closed.check()
    binders = re.findall(r"(\w+):f64\[\]", str(closed))
    assert len(binders) == 31 == len(set(binders))
    assert binders[:3] == ["a", "b", "c"] and binders[26:28] == ["aa", "ab"]


@pytest.mark.parametrize(("value", "text"), [
    (np.float64(2.5), "2.5:f64[]"),
    (np.float64(2.0), "2.0:f64[]"),
    (np.float32(0.25), "0.25:f32[]"),
    (np.int32(-3), "-3:i32[]"),
    (np.bool_(True), "True:bool[]"),
    (np.float64(np.inf), "inf:f64[]"),
    (np.float64(np.nan), "nan:f64[]"),
    (np.arange(6.0), "[0.0 1.0 2.0 3.0 ...]:f64[6]"),
])
def test_literals_print_value_and_type(value, text):
    literal = Literal.of(value)
    assert literal.aval == ShapedArray(np.shape(value), np.asarray(value).dtype)
    assert repr(literal) == text


def test_scalar_constants_are_inlined_as_literals():
    closed = nb.make_jaxpr(lambda x: x * 2.5 + np.float32(1))(np.ones(3, np.float32))
    closed.check()
    assert closed.consts == []
    literals = [x for eqn in closed.eqns for x in eqn.inputs if isinstance(x, Literal)]
    assert [(lit.val.item(), lit.aval.dtype) for lit in literals] == [(2.5, np.float32), (1.0, np.float32)]
    assert "mul a 2.5:f32[]" in str(closed)


def test_params_print_dtypes_by_short_name():
    closed = nb.make_jaxpr(lambda x: x.astype(np.float32))(np.ones(2))
    closed.check()
    assert "convert_element_type[new_dtype=f32]" in str(closed)


def _sin_jaxpr(out_aval: ShapedArray) -> Jaxpr:
    x, y = Var(F64_3), Var(out_aval)
    return Jaxpr([], [x], [Eqn(primitives["sin"], [x], [y], {})], [y])


def test_type_checker_accepts_a_well_typed_program():
    _sin_jaxpr(F64_3).check()


@pytest.mark.parametrize("wrong", [ShapedArray((3,), np.dtype(np.float32)),
                                   ShapedArray((1, 3), np.dtype(np.float64)),
                                   ShapedArray((), np.dtype(np.float64))], ids=repr)
def test_type_checker_catches_an_equation_with_the_wrong_output_aval(wrong):
    with pytest.raises(JaxprTypeError, match=r"equation sin outputs .* but its rule gives \['f64\[3\]'\]"):
        typecheck(_sin_jaxpr(wrong))


def test_type_checker_catches_a_corrupted_traced_program():
    closed = nb.make_jaxpr(lambda x, y: xnp.dot(x, y))(np.ones((2, 3)), np.ones((3, 4)))
    closed.check()
    closed.eqns[-1].outputs[0].aval = ShapedArray((2, 3), np.dtype(np.float64))
    with pytest.raises(JaxprTypeError, match="dot_general"):
        closed.check()


def test_type_checker_catches_ill_typed_inputs():
    x = Var(F64_3)
    y = Var(ShapedArray((4,), np.dtype(np.float64)))
    out = Var(F64_3)
    jaxpr = Jaxpr([], [x, y], [Eqn(primitives["add"], [x, y], [out], {})], [out])
    with pytest.raises(ValueError, match=r"add: shapes \(3,\) and \(4,\)"):
        jaxpr.check()


def test_type_checker_catches_a_variable_used_before_it_is_defined():
    x, y, z = Var(F64_3), Var(F64_3), Var(F64_3)
    jaxpr = Jaxpr([], [x], [Eqn(primitives["sin"], [y], [z], {}),
                            Eqn(primitives["cos"], [x], [y], {})], [z])
    with pytest.raises(JaxprTypeError, match="used before it is defined"):
        jaxpr.check()


def test_type_checker_catches_an_undefined_output():
    x, y = Var(F64_3), Var(F64_3)
    with pytest.raises(JaxprTypeError, match="used before it is defined"):
        Jaxpr([], [x], [], [y]).check()


def test_type_checker_catches_a_variable_defined_twice():
    x, y = Var(F64_3), Var(F64_3)
    jaxpr = Jaxpr([], [x], [Eqn(primitives["sin"], [x], [y], {}),
                            Eqn(primitives["cos"], [x], [y], {})], [y])
    with pytest.raises(JaxprTypeError, match="defined twice"):
        jaxpr.check()


def test_literals_type_check_by_their_own_aval():
    x, y = Var(F64_3), Var(F64_3)
    ok = Jaxpr([], [x], [Eqn(primitives["mul"], [x, Literal.of(2.0)], [y], {})], [y])
    ok.check()
    bad = Jaxpr([], [x], [Eqn(primitives["mul"], [x, Literal.of(np.float32(2))], [y], {})], [y])
    with pytest.raises(TypeError, match="one dtype"):
        bad.check()


def test_closed_jaxpr_exposes_avals_and_equations():
    closed = nb.make_jaxpr(lambda x, i: (x.sum(0), x[i]))(np.ones((2, 3), np.float32), np.int32(1))
    closed.check()
    assert closed.in_avals == [ShapedArray((2, 3), np.dtype(np.float32)), ShapedArray((), np.dtype(np.int32))]
    assert closed.out_avals == [ShapedArray((3,), np.dtype(np.float32))] * 2
    assert closed.eqns is closed.jaxpr.eqns


def test_eval_jaxpr_agrees_with_the_interpreter_backend(rng):
    x, y = rng.standard_normal((3, 4)), rng.standard_normal(4)
    const = rng.standard_normal(4)
    closed = nb.make_jaxpr(lambda x, y: xnp.tanh(x @ (y * const)) + x.max())(x, y)
    closed.check()
    (got,) = eval_jaxpr(closed.jaxpr, closed.consts, [x, y])
    (want,) = run_closed_jaxpr(closed, x, y)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    np.testing.assert_allclose(got, np.tanh(x @ (y * const)) + x.max(), rtol=1e-14)


def test_eval_jaxpr_binds_so_it_can_be_retraced():
    closed = nb.make_jaxpr(lambda x: xnp.exp(x) * 3.0)(np.ones(2))
    closed.check()
    again = nb.make_jaxpr(lambda x: eval_jaxpr(closed.jaxpr, closed.consts, [x])[0])(np.ones(2))
    again.check()
    assert str(again) == str(closed)


def test_closed_jaxpr_defaults_to_no_consts():
    x = Var(F64_3)
    closed = ClosedJaxpr(Jaxpr([], [x], [], [x]))
    closed.check()
    assert closed.consts == []
    assert str(closed) == "{ lambda ; a:f64[3]. let  in (a,) }"


def test_a_pickled_jaxpr_is_the_same_program_in_a_new_process():
    # What the Dask engine relies on: primitives travel by name, executables stay behind.
    import pickle
    import subprocess
    import sys

    from numbax.backends import compile_jaxpr

    def loss(params, x):
        (w1, b1), (w2, b2) = params
        h = nb.lax.cond(x.sum() > 0, xnp.tanh, xnp.sin, x @ w1 + b1)
        return xnp.mean((nb.jit(lambda h: h @ w2 + b2)(h) - 1.0) ** 2)

    rng = np.random.default_rng(0)
    params = ((rng.normal(size=(3, 4)), rng.normal(size=4)), (rng.normal(size=(4, 2)), np.ones(2)))
    args = nb.tree_util.tree_leaves((params, rng.normal(size=(5, 3))))
    f = nb.jit(nb.value_and_grad(loss))
    closed = nb.make_jaxpr(f)(params, args[-1])
    compile_jaxpr(closed.jaxpr, "interpreter")  # attaches an executable (a closure) to it
    child = ("import pickle, sys; from numbax.backends.interpreter import run_closed_jaxpr; "
             "closed, args = pickle.loads(sys.stdin.buffer.read()); closed.check(); "
             "sys.stdout.buffer.write(pickle.dumps((str(closed), run_closed_jaxpr(closed, *args))))")
    done = subprocess.run([sys.executable, "-c", child], input=pickle.dumps((closed, args)),
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    text, outs = pickle.loads(done.stdout)
    assert text == str(closed)
    for got, want in zip(outs, run_closed_jaxpr(closed, *args)):
        np.testing.assert_array_equal(got, want)
