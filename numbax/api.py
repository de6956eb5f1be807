"""User-facing wrappers: pytrees, argument checking, argnums; transformation logic lives in
interpreters/. jit, which also caches, lives in jit.py and shares the argument checks here."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import numpy as xnp
from .core.avals import check_dtype
from .core.ir import ClosedJaxpr, eval_jaxpr
from .core.trace import Tracer, get_aval
from .interpreters import ad, batching
from .interpreters.partial_eval import trace_to_jaxpr, trace_to_subjaxpr
from .interpreters.remat import checkpoint_p
from .tree_util import tree_flatten, tree_leaf_paths, tree_unflatten


def to_outputs(leaves) -> list:
    """Concrete results as NumPy arrays (NumPy arithmetic can leave 0-d scalars behind)."""
    return [x if isinstance(x, Tracer) else np.asarray(x) for x in leaves]


def fun_name(fun) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


def flatten_fun(fun: Callable, in_tree):
    """Wrap fun as a flat function of leaves; the output tree is stored in the returned box."""
    out_tree_box: list = []

    def flat_fun(*leaves):
        out = fun(*tree_unflatten(in_tree, leaves))
        out_leaves, out_tree = tree_flatten(out)
        out_tree_box.append(out_tree)
        return out_leaves

    return flat_fun, out_tree_box


# ---------------------------------------------------------------------------------------------
# Argument checks. Every transformation checks its arguments here, at the API boundary, so a
# bad argument is reported by position (argument 1['w']) and never from inside a rule or a
# backend. Locating a leaf re-flattens the arguments, so it is done only once a leaf is bad.


def named_arguments(args, positions=None, what: str = "argument",
                hint: str = "") -> list[tuple[str, object, str]]:
    """(name, pytree, hint) for the arguments whose leaves are checked, in flattening order;
    the hint ends the message when one of the pytree's leaves is not an array or a scalar."""
    positions = range(len(args)) if positions is None else positions
    return [(f"{what} {p}", a, hint) for p, a in zip(positions, args)]


def leaf_location(named, i: int) -> tuple[str, str]:
    """Where leaf i of the pytrees in `named` (flattened one after the other) sits, and the
    hint of its argument."""
    for name, tree, hint in named:
        leaves, treedef = tree_flatten(tree)
        if i < len(leaves):
            return name + tree_leaf_paths(treedef)[i], hint
        i -= len(leaves)
    return f"leaf {i}", ""


def _bad_leaf(fname: str, where: str, x, hint: str) -> Exception:
    if isinstance(x, np.ndarray | np.generic):
        try:
            check_dtype(x.dtype, f"{fname}: {where}")
        except TypeError as err:
            return TypeError(str(err))
    if isinstance(x, int):
        return OverflowError(f"{fname}: {where} is the Python int {x}, which does not fit in a "
                             "64-bit integer; pass it as a float or as an array")
    msg = (f"{fname}: {where} is of type {type(x).__name__}; expected an array, a Python scalar "
           "or a pytree of them")
    if hint:
        msg += f"; {hint}"
    return TypeError(msg)


_ARGNUMS_HINT = "leave it out of argnums (only differentiated arguments must be arrays)"


def leaf_avals(fname: str, leaves, named) -> list:
    """The avals of argument leaves; a leaf that is not a supported array or scalar raises an
    error naming where it sits in the arguments (`named`, see named_arguments)."""
    avals = []
    for i, x in enumerate(leaves):
        try:
            avals.append(get_aval(x))
        except (TypeError, OverflowError):
            where, hint = leaf_location(named, i)
            raise _bad_leaf(fname, where, x, hint) from None
    return avals


def make_jaxpr(fun: Callable) -> Callable[..., ClosedJaxpr]:
    """Trace `fun` into a ClosedJaxpr for arguments of the given shapes and dtypes.

    >>> import numpy as np, numbax as nb, numbax.numpy as xnp
    >>> print(nb.make_jaxpr(lambda x: xnp.sin(x))(np.ones(3)))
    { lambda ; a:f64[3]. let b:f64[3] = sin a in (b,) }
    """
    def make(*args) -> ClosedJaxpr:
        leaves, in_tree = tree_flatten(args)
        flat_fun, out_tree = flatten_fun(fun, in_tree)
        closed = trace_to_jaxpr(flat_fun, leaf_avals("make_jaxpr", leaves, named_arguments(args)),
                                f"make_jaxpr({fun_name(fun)})")
        closed.out_tree = out_tree[0]
        return closed

    return make


# ---------------------------------------------------------------------------------------------
# Differentiation


def _argnums_tuple(argnums, nargs: int, fname: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int | np.integer) else (
        tuple(argnums) if isinstance(argnums, tuple | list) else None)
    if nums is None or not all(isinstance(a, int | np.integer) and not isinstance(a, bool)
                               for a in nums):
        raise TypeError(f"{fname}: argnums must be an int or a tuple of ints, got {argnums!r}")
    nums = tuple(int(a) for a in nums)
    if not nums:
        raise ValueError(f"{fname}: argnums must name at least one argument")
    for a in nums:
        if not -nargs <= a < nargs:
            raise ValueError(f"{fname}: argnums {argnums!r} is out of range for a function called "
                             f"with {nargs} positional argument{'s' * (nargs != 1)}")
    return tuple(a % nargs for a in nums)


def _check_float_inputs(leaves, fname: str, named, holomorphic: bool = False) -> None:
    """The differentiated inputs are float or complex arrays or scalars (complex ones only, with
    holomorphic; real ones only for jacfwd without it); `named` is as for leaf_avals."""
    for i, aval in enumerate(leaf_avals(fname, leaves, named)):
        where = leaf_location(named, i)[0]
        if holomorphic and aval.dtype.kind != "c":
            raise TypeError(f"{fname} with holomorphic=True requires inputs with complex dtype, "
                            f"but {where} has dtype {aval.dtype} ({aval.str_short()})")
        if aval.dtype.kind == "c" and fname == "jacfwd" and not holomorphic:
            raise TypeError(f"jacfwd requires real-valued inputs, but {where} has dtype "
                            f"{aval.dtype}. For holomorphic differentiation, pass "
                            "holomorphic=True. For differentiation of non-holomorphic functions "
                            "involving complex inputs, use jvp directly.")
        if aval.dtype.kind not in "fc":
            raise TypeError(f"{fname} requires floating-point or complex inputs, but {where} has "
                            f"dtype {aval.dtype} ({aval.str_short()}); convert it with "
                            ".astype(float) or exclude it from argnums")


def _check_outputs(avals, fname: str, holomorphic: bool) -> None:
    """grad's and jacrev's outputs are real (JAX's rule), or complex with holomorphic=True."""
    for aval in avals:
        if holomorphic and aval.dtype.kind != "c":
            raise TypeError(f"{fname} with holomorphic=True requires outputs with complex dtype, "
                            f"but got {aval.str_short()}")
        if not holomorphic and aval.dtype.kind == "c" and fname != "jacfwd":
            raise TypeError(f"{fname} requires real-valued outputs, but got {aval.str_short()}. "
                            "For holomorphic differentiation, pass holomorphic=True. For "
                            "differentiation of non-holomorphic functions involving complex "
                            "outputs, use vjp directly.")


def _split_aux(out, has_aux: bool, fname: str):
    if not has_aux:
        return out, None
    if not isinstance(out, tuple | list) or len(out) != 2:
        if isinstance(out, tuple | list):
            got = f"{type(out).__name__} of length {len(out)}"
        elif isinstance(out, Tracer | np.ndarray | np.generic | bool | int | float | complex):
            got = f"a single array {get_aval(out).str_short()}"
        else:
            got = type(out).__name__
        raise TypeError(f"{fname} with has_aux=True expects the function to return a pair "
                        f"(output, aux), got {got}")
    return out[0], out[1]


def _dyn_fun(fun, args, kwargs, argnums):
    def f(*dyn):
        full = list(args)
        for i, d in zip(argnums, dyn):
            full[i] = d
        return fun(*full, **kwargs)
    return f


def vjp(fun: Callable, *primals, has_aux: bool = False):
    """Evaluate fun and return (out, vjp_fn); vjp_fn(cotangent) gives one cotangent per primal.

    >>> import numpy as np, numbax as nb, numbax.numpy as xnp
    >>> out, f_vjp = nb.vjp(xnp.sin, 0.0)
    >>> f_vjp(1.0)
    (array(1.),)
    """
    leaves, in_tree = tree_flatten(primals)
    _check_float_inputs(leaves, "vjp", named_arguments(primals, what="primal"))
    flat_fun, box = _flatten_with_aux(fun, in_tree, has_aux, "vjp")
    outs, vjp_flat_fn = ad.vjp_flat(flat_fun, leaves, f"vjp({fun_name(fun)})")
    outs = to_outputs(outs)
    out_tree, n_out, aux_tree = box
    out = tree_unflatten(out_tree, outs[:n_out])
    out_avals = [get_aval(o) for o in outs[:n_out]]

    def vjp_fn(cotangent):
        ct_leaves, ct_tree = tree_flatten(cotangent)
        if ct_tree != out_tree:
            raise TypeError(f"vjp_fn expects a cotangent with the structure of the output "
                            f"{out_tree}, got {ct_tree}")
        cts = _check_tangents(out_avals, ct_leaves, "vjp_fn", "cotangent", "output")
        cts += [ad.Zero(get_aval(o)) for o in outs[n_out:]]
        return tuple(tree_unflatten(in_tree, to_outputs(vjp_flat_fn(*cts))))

    if has_aux:
        return out, vjp_fn, tree_unflatten(aux_tree, outs[n_out:])
    return out, vjp_fn


def _flatten_with_aux(fun, in_tree, has_aux: bool, fname: str):
    """Flat function returning output leaves then aux leaves; box = [out_tree, n_out, aux_tree]."""
    box: list = [None, 0, None]

    def flat_fun(*leaves):
        out, aux = _split_aux(fun(*tree_unflatten(in_tree, leaves)), has_aux, fname)
        out_leaves, box[0] = tree_flatten(out)
        box[1] = len(out_leaves)
        aux_leaves, box[2] = tree_flatten(aux)
        return out_leaves + aux_leaves

    return flat_fun, box


def value_and_grad(fun: Callable, argnums=0, has_aux: bool = False,
                   holomorphic: bool = False) -> Callable:
    """Like grad, but returns (value, gradient) (or ((value, aux), gradient) with has_aux).

    >>> import numbax as nb
    >>> nb.value_and_grad(lambda x: x ** 3)(2.0)
    (array(8.), array(12.))
    """
    def value_and_grad_f(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "grad")
        dyn = tuple(args[i] for i in nums)
        leaves, in_tree = tree_flatten(dyn)
        _check_float_inputs(leaves, "grad", named_arguments(dyn, nums, hint=_ARGNUMS_HINT),
                            holomorphic)
        f = _dyn_fun(fun, args, kwargs, nums)
        flat_fun, box = _flatten_with_aux(lambda *d: f(*d), in_tree, has_aux, "grad")

        def checked(*xs):
            outs = flat_fun(*xs)
            if box[1] != 1 or box[0] != tree_flatten(0.0)[1]:
                raise TypeError(f"grad requires a function returning a scalar, got an output with "
                                f"structure {box[0]}")
            aval = get_aval(outs[0], "grad: output")
            _check_outputs([aval], "grad", holomorphic)
            if aval.shape != () or aval.dtype.kind not in "fc":
                raise TypeError("grad requires a real scalar output (shape () and a float dtype), "
                                f"got {aval.str_short()}; use jacrev or vjp for other outputs")
            return outs

        outs, vjp_fn = ad.vjp_flat(checked, leaves, f"grad({fun_name(fun)})")
        outs = to_outputs(outs)
        value = outs[0]
        ct = np.ones((), get_aval(value).dtype)
        g = tree_unflatten(in_tree, to_outputs(vjp_fn(ct, *[ad.Zero(get_aval(o)) for o in outs[1:]])))
        g = g[0] if isinstance(argnums, int | np.integer) else g
        if has_aux:
            return (value, tree_unflatten(box[2], outs[1:])), g
        return value, g

    return value_and_grad_f


def grad(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False) -> Callable:
    """The gradient of a scalar-valued function with respect to the argnums arguments.

    For a real function of complex inputs z = x + iy the result is df/dx - i df/dy, JAX's
    convention (the conjugate of the steepest-ascent direction: step along its conjugate).
    With holomorphic=True the function maps complex to complex and the result is f'(z).

    >>> import numbax as nb, numbax.numpy as xnp
    >>> nb.grad(lambda x: xnp.sin(x) * x)(0.0)
    array(0.)
    >>> nb.grad(lambda z: z * z, holomorphic=True)(1j)
    array(0.+2.j)
    """
    vg = value_and_grad(fun, argnums, has_aux, holomorphic)

    def grad_f(*args, **kwargs):
        (value, g) = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_f


def _check_tangents(primal_avals, t_leaves, fname: str, what: str = "tangent",
                    of: str = "primal") -> list:
    """(Co)tangent leaves converted to their primals' dtypes; a shape mismatch is a TypeError."""
    ts = []
    for i, (pa, t) in enumerate(zip(primal_avals, t_leaves)):
        ta = get_aval(t, f"{fname}: {what} leaf {i}")
        if pa.shape != ta.shape:
            raise TypeError(f"{fname}: {what} leaf {i} has shape {ta.shape} but its {of} has "
                            f"shape {pa.shape}: expected {pa.shape}")
        ts.append(xnp.asarray(t, pa.dtype))
    return ts


def jvp(fun: Callable, primals, tangents, has_aux: bool = False):
    """Forward mode: returns (fun(*primals), the directional derivative along tangents).

    >>> import numbax as nb, numbax.numpy as xnp
    >>> nb.jvp(xnp.sin, (0.0,), (2.0,))
    (array(0.), array(2.))
    """
    if not isinstance(primals, tuple | list) or not isinstance(tangents, tuple | list):
        raise TypeError("jvp expects primals and tangents as tuples or lists, got "
                        f"{type(primals).__name__} and {type(tangents).__name__}")
    p_leaves, in_tree = tree_flatten(tuple(primals))
    t_leaves, t_tree = tree_flatten(tuple(tangents))
    if t_tree != in_tree:
        raise TypeError(f"jvp: tangents structure {t_tree} does not match primals {in_tree}")
    _check_float_inputs(p_leaves, "jvp", named_arguments(primals, what="primal"))
    ts = _check_tangents([get_aval(p) for p in p_leaves], t_leaves, "jvp")
    flat_fun, box = _flatten_with_aux(fun, in_tree, has_aux, "jvp")
    p_out, t_out = ad.jvp_flat(flat_fun, [xnp.asarray(p) for p in p_leaves], ts,
                               name=f"jvp({fun_name(fun)})")
    p_out, t_out = to_outputs(p_out), to_outputs(t_out)
    out_tree, n = box[0], box[1]
    result = (tree_unflatten(out_tree, p_out[:n]), tree_unflatten(out_tree, t_out[:n]))
    return result + (tree_unflatten(box[2], p_out[n:]),) if has_aux else result


def linearize(fun: Callable, *primals):
    """Returns (fun(*primals), f_jvp) where f_jvp(*tangents) is the linearised function.

    The linear map is a Jaxpr evaluated on each call; the primal work is not repeated.
    """
    p_leaves, in_tree = tree_flatten(primals)
    _check_float_inputs(p_leaves, "linearize", named_arguments(primals, what="primal"))
    flat_fun, box = _flatten_with_aux(fun, in_tree, False, "linearize")
    p_out, jaxpr, consts = ad.linearize_flat(flat_fun, [xnp.asarray(p) for p in p_leaves],
                                             f"linearize({fun_name(fun)})")
    out_tree = box[0]
    p_avals = [get_aval(p) for p in p_leaves]

    def f_jvp(*tangents):
        t_leaves, t_tree = tree_flatten(tangents)
        if t_tree != in_tree:
            raise TypeError(f"linearized function expects tangents with structure {in_tree}, "
                            f"got {t_tree}")
        ts = _check_tangents(p_avals, t_leaves, "linearized function")
        return tree_unflatten(out_tree, to_outputs(eval_jaxpr(jaxpr, consts, ts)))

    return tree_unflatten(out_tree, to_outputs(p_out)), f_jvp


def _std_basis(leaves):
    """The identity over the flattened leaves, split per leaf: leaf i gets (N, *shape_i)."""
    avals = [get_aval(x) for x in leaves]
    sizes = [a.size for a in avals]
    eye = np.eye(sum(sizes), dtype=np.result_type(*[a.dtype for a in avals]))
    offsets = np.cumsum([0] + sizes)
    # (len(eye),), not -1: with a zero-size leaf the length cannot be inferred.
    return [eye[:, offsets[i]:offsets[i + 1]].reshape((len(eye),) + a.shape).astype(a.dtype)
            for i, a in enumerate(avals)]


def jacfwd(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False
           ) -> Callable:
    """The Jacobian by forward mode: shape output.shape + input.shape per leaf pair.

    Inputs are real unless holomorphic=True (complex inputs and outputs, f'(z) entries)."""
    return _jacobian(fun, argnums, has_aux, "jacfwd", holomorphic)


def jacrev(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False
           ) -> Callable:
    """The Jacobian by reverse mode: shape output.shape + input.shape per leaf pair.

    Outputs are real unless holomorphic=True (complex inputs and outputs, f'(z) entries)."""
    return _jacobian(fun, argnums, has_aux, "jacrev", holomorphic)


def hessian(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False
            ) -> Callable:
    """The Hessian, as jacfwd(jacrev(fun)) (forward-over-reverse)."""
    return jacfwd(jacrev(fun, argnums, has_aux, holomorphic), argnums, has_aux, holomorphic)


def _jacobian(fun, argnums, has_aux, fname, holomorphic):
    """Jacobian blocks (out leaf shape + in leaf shape) by vmap over a standard basis."""
    def jac_f(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), fname)
        dyn = tuple(args[i] for i in nums)
        in_leaves, in_tree = tree_flatten(dyn)
        _check_float_inputs(in_leaves, fname, named_arguments(dyn, nums, hint=_ARGNUMS_HINT),
                            holomorphic)
        in_leaves = [xnp.asarray(x) for x in in_leaves]
        f = _dyn_fun(fun, args, kwargs, nums)
        flat_fun, box = _flatten_with_aux(lambda *d: f(*d), in_tree, has_aux, fname)
        in_avals = [get_aval(x) for x in in_leaves]
        name = f"{fname}({fun_name(fun)})"
        if fname == "jacfwd":
            basis = _std_basis(in_leaves)
            n_basis = len(basis[0])

            def push(*ts):
                p, t = ad.jvp_flat(flat_fun, in_leaves, ts, name=name)
                return p + t[:box[1]]

            vals, bdims = batching.vmap_flat(push, n_basis, basis, [0] * len(basis), None,
                                             name=name)
            n_p = len(vals) - box[1]
            # The primal outputs do not depend on the basis vector, but rules that batch all
            # their outputs together (checkpoint, cond, scan) may have mapped them anyway:
            # every member is then the same value (with no member, recompute it).
            outs = vals[:n_p]
            if any(b is not None for b in bdims[:n_p]):
                outs = [v if b is None else batching.moveaxis(v, b, 0, n_basis)[0]
                        for v, b in zip(outs, bdims)] if n_basis else flat_fun(*in_leaves)
            _check_outputs([get_aval(o) for o in outs[:box[1]]], fname, holomorphic)
            cols = [batching.moveaxis(v, b, 0, n_basis) for v, b in zip(vals[n_p:], bdims[n_p:])]
            blocks = [_blocks_from(c, in_avals, get_aval(o).shape, forward=True)
                      for c, o in zip(cols, outs)]
        else:
            outs, vjp_fn = ad.vjp_flat(flat_fun, in_leaves, name)
            n = box[1]
            _check_outputs([get_aval(o) for o in outs[:n]], fname, holomorphic)
            basis = _std_basis(outs[:n])
            aux_zeros = [ad.Zero(get_aval(o)) for o in outs[n:]]
            pull = lambda *cts: vjp_fn(*cts, *aux_zeros)  # noqa: E731
            rows = batching.vmap_flat(pull, len(basis[0]), basis, [0] * len(basis), name=name)
            offsets = np.cumsum([0] + [get_aval(o).size for o in outs[:n]])
            blocks = [[xnp.reshape(r[offsets[j]:offsets[j + 1]], get_aval(o).shape + a.shape)
                       for r, a in zip(rows, in_avals)] for j, o in enumerate(outs[:n])]
        jac = tree_unflatten(box[0], [
            tree_unflatten(in_tree, to_outputs(row))[0] if isinstance(argnums, int | np.integer)
            else tree_unflatten(in_tree, to_outputs(row)) for row in blocks])
        if has_aux:
            return jac, tree_unflatten(box[2], to_outputs(outs[box[1]:]))
        return jac

    return jac_f


def _blocks_from(col, in_avals, out_shape, forward: bool) -> list:
    """Split the (N, *out_shape) pushforward of the basis into one block per input leaf."""
    offsets = np.cumsum([0] + [a.size for a in in_avals])
    blocks = []
    for i, a in enumerate(in_avals):
        part = col[offsets[i]:offsets[i + 1]]
        moved = xnp.moveaxis(part, 0, -1)
        blocks.append(xnp.reshape(moved, tuple(out_shape) + a.shape))
    return blocks


def checkpoint(fun: Callable, policy: Callable | None = None) -> Callable:
    """Rematerialise fun's intermediates in the backward pass instead of storing them.

    policy(primitive, *avals, **params) -> bool says which intermediates may be saved (see
    numbax.checkpoint_policies); by default only fun's inputs are saved.

    >>> import numbax as nb, numbax.numpy as xnp
    >>> nb.grad(nb.checkpoint(lambda x: xnp.sin(xnp.sin(x))))(0.0)
    array(1.)
    """
    def remat_f(*args):
        leaves, in_tree = tree_flatten(args)
        flat_fun, out_tree = flatten_fun(fun, in_tree)
        avals = leaf_avals("checkpoint", leaves, named_arguments(args))
        jaxpr, consts = trace_to_subjaxpr(flat_fun, avals, f"checkpoint({fun_name(fun)})")
        outs = checkpoint_p.bind(*consts, *leaves, jaxpr=jaxpr, policy=policy)
        return tree_unflatten(out_tree[0], outs)

    return remat_f


remat = checkpoint


# ---------------------------------------------------------------------------------------------
# Vectorisation


def broadcast_prefix(prefix, tree, what: str, fname: str = "vmap") -> list:
    """Expand an axis spec (int, None, or a pytree prefix of tree) to one entry per leaf;
    errors name fname (vmap, pmap) and what (in_axes, out_axes)."""
    if prefix is None or isinstance(prefix, int):
        return [prefix] * len(tree_flatten(tree)[0])
    if isinstance(tree, tuple | list) and isinstance(prefix, tuple | list):
        if len(prefix) != len(tree):
            raise ValueError(f"{fname} {what} {prefix!r} has {len(prefix)} entries but the "
                             f"{'arguments' if what == 'in_axes' else 'output'} "
                             f"{tree_flatten(tree)[1]} {'have' if what == 'in_axes' else 'has'} "
                             f"{len(tree)}")
        return [a for p, t in zip(prefix, tree) for a in broadcast_prefix(p, t, what, fname)]
    if isinstance(tree, dict) and isinstance(prefix, dict):
        if set(prefix) != set(tree):
            raise ValueError(f"{fname} {what} keys {sorted(prefix)} do not match "
                             f"{sorted(tree)}")
        return [a for k in sorted(tree)
                for a in broadcast_prefix(prefix[k], tree[k], what, fname)]
    raise ValueError(f"{fname} {what} {prefix!r} does not match the structure "
                     f"{tree_flatten(tree)[1]}")


def vmap(fun: Callable, in_axes=0, out_axes=0, axis_name: str | None = None,
         axis_size: int | None = None, spmd_axis_name=None) -> Callable:
    """Vectorise fun over a new leading (or in_axes) axis of its arguments.

    in_axes / out_axes are ints (negative allowed), None (not mapped), or pytree prefixes of
    the arguments / outputs. axis_name names the mapped axis for collectives (lax.psum...).
    spmd_axis_name is accepted as in JAX, where it shards the axis over a device mesh; on
    one machine it changes nothing.

    >>> import numpy as np, numbax as nb, numbax.numpy as xnp, numbax.lax as lax
    >>> nb.vmap(xnp.dot)(np.ones((4, 3)), np.ones((4, 3)))
    array([3., 3., 3., 3.])
    >>> nb.vmap(lambda x: x / lax.psum(x, "i"), axis_name="i")(np.array([1., 3.]))
    array([0.25, 0.75])
    """
    if axis_name is not None and not isinstance(axis_name, str):
        raise TypeError(f"vmap: axis_name must be a str or None, got {axis_name!r}")

    def vmapped(*args):
        leaves, in_tree = tree_flatten(args)
        spec = in_axes if not isinstance(in_axes, list) else tuple(in_axes)
        if isinstance(spec, tuple) and len(args) == 1 and len(spec) != 1:
            spec = (spec,)
        axes = broadcast_prefix(spec, args, "in_axes")
        named = named_arguments(args, hint="pass it by closure (functools.partial) instead")
        avals = leaf_avals("vmap", leaves, named)
        sizes, vals = {}, []
        for i, (x, ax, aval) in enumerate(zip(leaves, axes, avals)):
            if ax is not None:
                if not -aval.ndim <= ax < aval.ndim:
                    raise ValueError(f"vmap: in_axes {ax} is out of range for "
                                     f"{leaf_location(named, i)[0]} of shape {aval.shape}")
                ax %= aval.ndim
                sizes[i] = aval.shape[ax]
            vals.append(x if isinstance(x, Tracer) else np.asarray(x))
            axes[i] = ax
        if len(set(sizes.values())) > 1:
            detail = ", ".join(f"argument leaf {i}: {n}" for i, n in sizes.items())
            raise ValueError(f"vmap got inconsistent sizes for the mapped axes: {detail}")
        if axis_size is not None and sizes and axis_size not in sizes.values():
            raise ValueError(f"vmap: axis_size={axis_size} but the mapped axes have size "
                             f"{next(iter(sizes.values()))}")
        if not sizes and axis_size is None:
            raise ValueError("vmap needs at least one mapped argument (in_axes not all None) "
                             "or an explicit axis_size")
        n = next(iter(sizes.values())) if sizes else axis_size
        flat_fun, out_tree = flatten_fun(fun, in_tree)
        outs, out_bdims = batching.vmap_flat(flat_fun, n, vals, axes, out_dims_forced=None,
                                             name=f"vmap({fun_name(fun)})",
                                             axis_name=axis_name, spmd_axis_name=spmd_axis_name)
        out = tree_unflatten(out_tree[0], outs)
        o_axes = broadcast_prefix(out_axes, out, "out_axes")
        results = []
        for i, (o, b, oa) in enumerate(zip(outs, out_bdims, o_axes)):
            if oa is None:
                if b is not None:
                    raise ValueError(f"vmap: output leaf {i} is mapped but out_axes is None for it")
                results.append(o)
                continue
            ndim = get_aval(o).ndim + (b is None)
            if not -ndim <= oa < ndim:
                raise ValueError(f"vmap: out_axes {oa} is out of range for output leaf {i} of "
                                 f"rank {ndim}")
            results.append(batching.moveaxis(xnp.asarray(o), b, oa % ndim, n))
        return tree_unflatten(out_tree[0], to_outputs(results))

    return vmapped


# numbax.numpy's vectorize and apply_along_axis are built on vmap, which sits above them.
xnp.assembly.install_vmap(vmap)
