"""The trace stack, Tracers, concretization errors and leaked tracers."""
from __future__ import annotations

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax.core import trace as core_trace
from numbax.core.avals import ShapedArray
from numbax.core.trace import (
    ConcretizationError,
    EvalTrace,
    Tracer,
    TracerArrayConversionError,
    UnexpectedTracerError,
    get_aval,
)


@pytest.fixture(autouse=True)
def trace_stack_is_restored():
    """Every test, including those whose transformation raised, leaves a clean trace stack."""
    yield
    assert len(core_trace.trace_stack) == 1
    assert core_trace.trace_stack[0].trace_type is EvalTrace
    assert core_trace.dynamic_trace is None


CONCRETIZING = [  # (operation named in the message, aval of the concretized tracer, fn)
    ("bool()", "bool[]", lambda x: bool(x > 0)),
    ("bool()", "bool[]", lambda x: x if x > 0 else -x),
    ("bool()", "f64[]", lambda x: x and 1.0),
    ("int()", "f64[]", lambda x: int(x)),
    ("float()", "f64[]", lambda x: float(x)),
    ("__index__", "i64[]", lambda x: range(x.astype(np.int64))),
    ("__index__", "i32[]", lambda x: [1.0, 2.0][x.astype(np.int32)]),
]


@pytest.mark.parametrize(("op", "aval", "fn"), CONCRETIZING,
                         ids=[f"{op}-{i}" for i, (op, _, _) in enumerate(CONCRETIZING)])
def test_concretizing_a_traced_value_raises_a_helpful_error(op, aval, fn):
    with pytest.raises(ConcretizationError) as info:
        nb.make_jaxpr(fn)(np.float64(1.0))
    message = str(info.value)
    assert message.startswith(op)
    assert f"abstract traced array {aval}" in message
    assert "numbax.lax.cond" in message and "numbax.numpy.where" in message


@pytest.mark.parametrize("transform", [nb.make_jaxpr, nb.grad, nb.vmap], ids=lambda t: t.__name__)
def test_numpy_asarray_of_a_traced_value_raises_even_when_concrete(transform):
    # Under grad the primal is concrete, but a NumPy copy would lose the derivative.
    with pytest.raises(TracerArrayConversionError, match=r"numpy.asarray\(\) was called on a "
                       r"traced array f64\[\]"):
        transform(lambda x: np.asarray(x).sum())(np.float64(1.0) if transform is not nb.vmap
                                                  else np.ones(2))


def test_concretization_error_is_a_type_error_with_advice_in_its_docstring():
    assert issubclass(ConcretizationError, TypeError)
    assert "numbax.lax.cond" in ConcretizationError.__doc__
    assert "where" in ConcretizationError.__doc__


def test_where_is_the_traceable_alternative_to_python_branching(traced):
    x = np.array([-2.0, 0.5, 3.0])
    traced(lambda x: xnp.where(x > 0, x, -x), x, reference=np.abs, primitive="select")


def test_shape_information_stays_concrete_under_tracing():
    seen = {}

    def f(x):
        seen.update(shape=x.shape, dtype=x.dtype, ndim=x.ndim, size=x.size, len=len(x))
        return x.reshape(x.shape[1], -1)

    closed = nb.make_jaxpr(f)(np.ones((2, 3), np.float32))
    closed.check()
    assert seen == {"shape": (2, 3), "dtype": np.float32, "ndim": 2, "size": 6, "len": 2}
    assert closed.out_avals == [ShapedArray((3, 2), np.dtype(np.float32))]


def test_iterating_a_tracer_yields_its_rows(traced):
    x = np.arange(6.0).reshape(3, 2)
    traced(lambda x: [row * 2 for row in x], x, reference=lambda x: [row * 2 for row in x])


def test_len_of_a_scalar_tracer_is_a_type_error():
    with pytest.raises(TypeError, match="len"):
        nb.make_jaxpr(len)(np.float64(1.0))


def test_tracer_repr_names_its_aval_and_trace():
    reprs = []
    nb.make_jaxpr(lambda x: reprs.append(repr(x)) or x)(np.ones((2,), np.int32)).check()
    assert reprs == ["Traced<i32[2]>with<JaxprTrace>"]


def test_a_tracer_leaked_into_a_global_fails_in_a_later_transformation():
    leaked = []

    def leak(x):
        leaked.append(x)
        return x * 2

    nb.make_jaxpr(leak)(np.ones(3)).check()
    (stale,) = leaked
    assert isinstance(stale, Tracer)
    with pytest.raises(UnexpectedTracerError, match=r"f64\[3\].*already finished") as info:
        nb.make_jaxpr(lambda y: y + stale)(np.ones(3))
    assert "Return traced values" in str(info.value)


def test_a_leaked_tracer_also_fails_when_it_is_the_only_operand():
    leaked = []
    nb.make_jaxpr(lambda x: leaked.append(x) or x)(np.ones(2)).check()
    with pytest.raises(UnexpectedTracerError):
        nb.make_jaxpr(lambda y: xnp.sin(leaked[0]) + y)(np.ones(2))


def test_a_leaked_tracer_used_outside_any_transformation_raises():
    leaked = []
    nb.make_jaxpr(lambda x: leaked.append(x) or x)(np.ones(2)).check()
    with pytest.raises(UnexpectedTracerError):
        xnp.sin(leaked[0])


def test_trace_stack_is_restored_after_an_error_inside_a_transformation():
    with pytest.raises(ConcretizationError):
        nb.make_jaxpr(lambda x: bool(x))(np.float64(1.0))
    # the autouse fixture checks the stack; tracing still works afterwards
    nb.make_jaxpr(xnp.sin)(np.float64(1.0)).check()


def test_nested_make_jaxpr_treats_the_outer_tracer_as_a_constant():
    inner = []

    def outer(x):
        closed = nb.make_jaxpr(lambda y: y * x)(np.ones(3))
        closed.check()
        inner.append(closed)
        return x + 1

    nb.make_jaxpr(outer)(np.ones(3)).check()
    (closed,) = inner
    assert len(closed.jaxpr.constvars) == 1 and closed.jaxpr.constvars[0].aval == get_aval(np.ones(3))
    assert [e.primitive.name for e in closed.eqns] == ["mul"]


def test_eager_binds_return_numpy_arrays_not_tracers():
    out = xnp.sin(np.ones(2)) * 3.0
    assert type(out) is np.ndarray


def test_get_aval_of_tracers_and_values():
    avals = []
    nb.make_jaxpr(lambda x: avals.append(get_aval(x)) or x)(np.ones((4, 1), np.float32)).check()
    assert avals == [ShapedArray((4, 1), np.dtype(np.float32))]
    assert get_aval(3) == ShapedArray((), np.dtype(np.int64))
    with pytest.raises(TypeError, match="my input"):
        get_aval({"a": 1}, "my input")


def test_operations_on_constants_are_staged_inside_make_jaxpr():
    const = np.arange(3.0)
    closed = nb.make_jaxpr(lambda x: x + xnp.sin(const))(np.ones(3))
    closed.check()
    assert [e.primitive.name for e in closed.eqns] == ["sin", "add"]
