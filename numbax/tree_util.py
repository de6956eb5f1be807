"""Pytrees: nested tuples, lists, dicts, namedtuples and None, plus registered node types.

>>> leaves, tree = tree_flatten({"w": 1.0, "b": (2.0, None)})
>>> leaves
[2.0, 1.0]
>>> tree_unflatten(tree, [3.0, 4.0])
{'b': (3.0, None), 'w': 4.0}
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

_registry: dict[type, tuple[Callable, Callable]] = {}


def register_pytree_node(node_type: type, flatten: Callable, unflatten: Callable) -> None:
    """Register a container type: flatten(x) -> (children, aux); unflatten(aux, children) -> x.

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, c: Pair(*c))
    """
    _registry[node_type] = (flatten, unflatten)


register_pytree_node(tuple, lambda t: (t, None), lambda _, c: tuple(c))
register_pytree_node(list, lambda t: (t, None), lambda _, c: list(c))
register_pytree_node(type(None), lambda _: ((), None), lambda _a, _c: None)
register_pytree_node(
    dict,
    lambda d: (tuple(d[k] for k in sorted(d)), tuple(sorted(d))),
    lambda keys, c: dict(zip(keys, c)))


def _node_rules(x) -> tuple[Callable, Callable] | None:
    rules = _registry.get(type(x))
    if rules is None and isinstance(x, tuple) and hasattr(x, "_fields"):
        return (lambda t: (tuple(t), None), None)  # rebuilt by tree_unflatten
    return rules


@dataclass(frozen=True)
class PyTreeDef:
    """The structure of a pytree with its leaves taken out; hashable, so it can key caches."""

    node_type: type | None
    node_data: Hashable
    children: tuple[PyTreeDef, ...]

    @property
    def num_leaves(self) -> int:
        return 1 if self.node_type is None else sum(c.num_leaves for c in self.children)

    def __repr__(self) -> str:
        if self.node_type is None:
            return "*"
        inner = ", ".join(map(repr, self.children))
        if self.node_type is dict:
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.node_data, self.children))
            return f"{{{inner}}}"
        if self.node_type is tuple:
            return f"({inner}{',' if len(self.children) == 1 else ''})"
        if self.node_type is list:
            return f"[{inner}]"
        if self.node_type is type(None):
            return "None"
        return f"{self.node_type.__name__}({inner})"


LEAF = PyTreeDef(None, None, ())


def tree_flatten(tree: Any, is_leaf: Callable | None = None) -> tuple[list, PyTreeDef]:
    """Split a pytree into its list of leaves and its structure."""
    leaves: list = []

    def rec(x) -> PyTreeDef:
        rules = None if is_leaf is not None and is_leaf(x) else _node_rules(x)
        if rules is None:
            leaves.append(x)
            return LEAF
        children, aux = rules[0](x)
        return PyTreeDef(type(x), aux, tuple(rec(c) for c in children))

    return leaves, rec(tree)


def tree_unflatten(treedef: PyTreeDef, leaves) -> Any:
    """Rebuild a pytree of the given structure from an iterable of leaves."""
    it = iter(leaves)

    def rec(td: PyTreeDef):
        if td.node_type is None:
            leaf = next(it, it)
            if leaf is it:
                raise ValueError(f"too few leaves for the tree structure {treedef}")
            return leaf
        children = [rec(c) for c in td.children]
        if td.node_type in _registry:
            return _registry[td.node_type][1](td.node_data, children)
        return td.node_type(*children)  # a namedtuple

    out = rec(treedef)
    if next(it, it) is not it:
        raise ValueError(f"too many leaves for the tree structure {treedef}")
    return out


def tree_leaves(tree: Any, is_leaf: Callable | None = None) -> list:
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable | None = None) -> PyTreeDef:
    return tree_flatten(tree, is_leaf)[1]


def tree_map(f: Callable, tree: Any, *rest: Any, is_leaf: Callable | None = None) -> Any:
    """Apply f leaf-wise to one pytree, or to several pytrees of the same structure.

    >>> tree_map(lambda a, b: a + b, (1, {"x": 2}), (10, {"x": 20}))
    (11, {'x': 22})
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = []
    for r in rest:
        r_leaves, r_def = tree_flatten(r, is_leaf)
        if r_def != treedef:
            raise ValueError(f"tree_map: structures differ: {treedef} and {r_def}")
        others.append(r_leaves)
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


def tree_leaf_paths(treedef: PyTreeDef) -> list[str]:
    """Where each leaf sits, in leaf order, written as Python would index it from the root
    (a registered node's children by their position in its flatten output).

    >>> tree_leaf_paths(tree_structure({"w": [1.0, 2.0], "b": 3.0}))
    ["['b']", "['w'][0]", "['w'][1]"]
    """
    paths: list[str] = []

    def rec(td: PyTreeDef, path: str) -> None:
        if td.node_type is None:
            paths.append(path)
            return
        if td.node_type is dict:
            keys = [f"[{k!r}]" for k in td.node_data]
        elif td.node_type not in _registry and hasattr(td.node_type, "_fields"):
            keys = [f".{name}" for name in td.node_type._fields]
        else:
            keys = [f"[{i}]" for i in range(len(td.children))]
        for key, child in zip(keys, td.children):
            rec(child, path + key)

    rec(treedef, "")
    return paths
