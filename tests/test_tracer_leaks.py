"""A tracer that escapes its transformation raises UnexpectedTracerError wherever it is used,
naming the transformation, the user's line that created it and the line that used it."""
from __future__ import annotations

import os

import numpy as np
import pytest

import numbax as nb
import numbax.numpy as xnp
from numbax import lax
from numbax.core import trace as core_trace
from numbax.core.trace import ConcretizationError, UnexpectedTracerError

HERE = os.path.abspath(__file__)


def at(marker: str) -> str:
    """`path/test_tracer_leaks.py:12`: the line of this file that ends with `# marker`."""
    with open(HERE) as f:
        hits = [i for i, line in enumerate(f, 1) if line.rstrip().endswith(f"# {marker}")]
    assert len(hits) == 1, marker
    return f"{HERE}:{hits[0]}"


@pytest.fixture(autouse=True)
def trace_stack_is_restored():
    yield
    assert len(core_trace.trace_stack) == 1 and core_trace.dynamic_trace is None


saved: list = []


def leaky(x):
    y = xnp.sin(x) * 2.0  # CREATED
    saved.append(y)
    saved.append(x)
    return y


def leaky_sum(x):
    return xnp.sum(leaky(x))


# transformation -> (how to run leaky under it, the name the message uses)
TRANSFORMATIONS = {
    "jit": (lambda x: nb.jit(leaky)(x), "jit(leaky)"),  # ENTER-jit
    "grad": (lambda x: nb.grad(leaky_sum)(x), "grad(leaky_sum)"),  # ENTER-grad
    "jvp": (lambda x: nb.jvp(leaky, (x,), (x,)), "jvp(leaky)"),  # ENTER-jvp
    "vmap": (lambda x: nb.vmap(leaky)(x), "vmap(leaky)"),  # ENTER-vmap
    "make_jaxpr": (lambda x: nb.make_jaxpr(leaky)(x), "make_jaxpr(leaky)"),  # ENTER-make_jaxpr
    "checkpoint": (lambda x: nb.checkpoint(leaky)(x), "checkpoint(leaky)"),  # ENTER-checkpoint
    "jacrev": (lambda x: nb.jacrev(leaky)(x), "jacrev(leaky)"),  # ENTER-jacrev
}


def leak(transformation: str):
    """Run leaky under the transformation; return (leaked intermediate, leaked input, name)."""
    run, name = TRANSFORMATIONS[transformation]
    saved.clear()
    run(np.ones(3))
    y, x = saved
    saved.clear()
    return y, x, name


def same_shape(leaked):
    return np.ones(leaked.shape)


# use -> (what the leaked value is used for, the context the message names, the "by" part)
USES = {
    "sin": (lambda t: xnp.sin(t), "outside any transformation", ""),  # USE-sin
    "operator": (lambda t: t + 1.0, "outside any transformation", ""),  # USE-operator
    "in-jit": (lambda t: nb.jit(lambda a: a * t)(same_shape(t)),  # USE-in-jit
               "while tracing jit(<lambda>)", ""),
    "in-grad": (lambda t: nb.grad(lambda a: xnp.sum(a * t))(same_shape(t)),  # USE-in-grad
                "while tracing grad(<lambda>)", ""),
    "in-vmap": (lambda t: nb.vmap(lambda a: a + t)(np.ones((2,) + t.shape)),  # USE-in-vmap
                "while tracing vmap(<lambda>)", ""),
    "jit-argument": (lambda t: nb.jit(lambda a: a * 2.0)(t),  # USE-jit-argument
                     "outside any transformation", ""),
    "asarray": (lambda t: np.asarray(t), "outside any transformation",  # USE-asarray
                "by numpy.asarray() "),
    "bool": (lambda t: bool(t), "outside any transformation", "by bool() "),  # USE-bool
}


@pytest.mark.parametrize("use", list(USES))
@pytest.mark.parametrize("transformation", list(TRANSFORMATIONS))
def test_using_a_leaked_intermediate_names_transformation_creation_and_use(transformation, use):
    y, _, name = leak(transformation)
    fn, context, by = USES[use]
    with pytest.raises(UnexpectedTracerError) as info:
        fn(y)
    message = str(info.value)
    assert message.startswith(f"Encountered an unexpected tracer: a traced value "
                              f"{y.aval.str_short()} from {name} was used ")
    assert f"{by}at {at(f'USE-{use}')} (in <lambda>), {context}" in message
    assert f"but {name} has already finished" in message
    assert f"The tracer was created at {at('CREATED')} (in leaky)." in message
    assert "Return traced values from the transformed function" in message


@pytest.mark.parametrize("transformation", list(TRANSFORMATIONS))
def test_a_leaked_input_names_the_line_that_entered_the_transformation(transformation):
    _, x, name = leak(transformation)
    with pytest.raises(UnexpectedTracerError) as info:
        x * 2.0  # INPUT-USE
    message = str(info.value)
    assert f"from {name} was used at {at('INPUT-USE')}" in message
    assert (f"The tracer was an input of {name} (or a value it lifted), which was called at "
            f"{at(f'ENTER-{transformation}')}") in message


@pytest.mark.parametrize("convert", [bool, int, float, np.asarray, lambda t: t.tolist(),
                                     lambda t: t.item()])
def test_concretizing_a_leaked_tracer_is_a_leak_error_not_a_concretization_error(convert):
    saved_scalar = []
    nb.jit(lambda x: saved_scalar.append(x * 2.0) or x)(np.float64(1.0))
    with pytest.raises(UnexpectedTracerError, match="from jit") as info:
        convert(saved_scalar[0])
    assert not isinstance(info.value, ConcretizationError)


def test_a_leaked_tracer_with_a_concrete_value_still_raises():
    # Under eager grad the primal of a tracer is a known array; using it late is still a leak.
    y, _, _ = leak("grad")
    with pytest.raises(UnexpectedTracerError):
        float(y[0])
    with pytest.raises(UnexpectedTracerError):
        bool(y.sum() > 0)


def test_a_leak_through_an_attribute_used_in_control_flow():
    class Model:
        pass

    model = Model()

    def store(x):
        model.hidden = xnp.tanh(x)  # STORED
        return x

    nb.jit(store)(np.ones(2))
    with pytest.raises(UnexpectedTracerError) as info:
        lax.cond(True, lambda: model.hidden, lambda: xnp.zeros(2))
    assert f"created at {at('STORED')} (in store)" in str(info.value)


def test_shape_and_repr_of_a_leaked_tracer_still_work():
    y, _, _ = leak("jit")
    assert y.shape == (3,) and y.dtype == np.float64 and "f64[3]" in repr(y)


def test_transformations_work_after_a_leak_error():
    y, _, _ = leak("vmap")
    with pytest.raises(UnexpectedTracerError):
        xnp.sin(y)
    np.testing.assert_allclose(nb.jit(leaky)(np.zeros(2)), np.zeros(2))
    saved.clear()


def test_a_tracer_used_inside_its_own_live_transformation_is_fine():
    def f(x):
        inner = []
        nb.jit(lambda a: inner.append(a) or a)(x)  # a nested jit call stays one equation
        return x * 2.0

    np.testing.assert_allclose(nb.grad(lambda x: xnp.sum(nb.jit(f)(x)))(np.ones(2)), [2.0, 2.0])
