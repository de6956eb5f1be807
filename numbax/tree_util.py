"""Pytrees: nested tuples, lists, dicts, namedtuples and None, plus registered node types
(jax.tree_util).

A node type is registered with flatten(x) -> (children, aux), unflatten(aux, children) -> x
and, optionally, flatten_with_keys(x) -> ([(key, child), ...], aux), which names each child
for key paths; a node without it names its children FlattenedIndexKey(i).

>>> leaves, tree = tree_flatten({"w": 1.0, "b": (2.0, None)})
>>> leaves
[2.0, 1.0]
>>> tree_unflatten(tree, [3.0, 4.0])
{'b': (3.0, None), 'w': 4.0}
>>> [keystr(path) for path, _ in tree_leaves_with_path({"w": [1.0, 2.0]})]
["['w'][0]", "['w'][1]"]
"""
from __future__ import annotations

import collections
import dataclasses
import functools
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

# ----------------------------------------------------------------------------- key entries


@dataclass(frozen=True)
class SequenceKey:
    """A tuple's or list's child by position: str gives "[0]"."""

    idx: int

    def __str__(self) -> str:
        return f"[{self.idx!r}]"


@dataclass(frozen=True)
class DictKey:
    """A dict's child by key: str gives "['a']"."""

    key: Hashable

    def __str__(self) -> str:
        return f"[{self.key!r}]"


@dataclass(frozen=True)
class GetAttrKey:
    """A namedtuple's, dataclass's or object's child by attribute: str gives ".name"."""

    name: str

    def __str__(self) -> str:
        return f".{self.name}"


@dataclass(frozen=True)
class FlattenedIndexKey:
    """A registered node's child by its position in flatten's output, for nodes registered
    without keys: str gives "[<flat index 0>]"."""

    key: int

    def __str__(self) -> str:
        return f"[<flat index {self.key}>]"


KeyEntry = Any  # any hashable; the four classes above are the built-in ones
KeyPath = tuple[KeyEntry, ...]


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
    """The key path as one string; with simple=True each key is written bare (0, a, name),
    which is compact but ambiguous (0 and '0' look the same).

    >>> path = (DictKey("foo"), SequenceKey(0), GetAttrKey("x"))
    >>> keystr(path)
    "['foo'][0].x"
    >>> keystr(path, simple=True, separator="/")
    'foo/0/x'
    """
    return separator.join(map(_simple_entrystr if simple else str, keys))


def _simple_entrystr(key: KeyEntry) -> str:
    if isinstance(key, SequenceKey):
        return str(key.idx)
    if isinstance(key, (DictKey, FlattenedIndexKey)):
        return str(key.key)
    if isinstance(key, GetAttrKey):
        return str(key.name)
    return str(key)


# ----------------------------------------------------------------------------- the registry


class _NodeRules(NamedTuple):
    flatten: Callable
    unflatten: Callable | None  # None: a namedtuple, rebuilt from its type
    flatten_with_keys: Callable | None


_registry: dict[type, _NodeRules] = {}


def register_pytree_node(node_type: type, flatten: Callable, unflatten: Callable,
                         flatten_with_keys: Callable | None = None) -> None:
    """Register a container type: flatten(x) -> (children, aux); unflatten(aux, children) -> x;
    aux must be hashable (it keys jit's cache). flatten_with_keys(x) -> ([(key, child)...], aux)
    optionally names the children for key paths.

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, c: Pair(*c))
    """
    if node_type in _registry:
        raise ValueError(f"Duplicate custom PyTreeDef type registration for {node_type}.")
    _registry[node_type] = _NodeRules(flatten, unflatten, flatten_with_keys)


def register_pytree_with_keys(node_type: type, flatten_with_keys: Callable,
                              unflatten: Callable, flatten: Callable | None = None) -> None:
    """Register a container type whose flatten names its children:
    flatten_with_keys(x) -> ([(key, child), ...], aux). flatten, if given, must return the
    same children and aux without keys (a faster path for tree_flatten).

    >>> class Box:
    ...     def __init__(self, v): self.v = v
    >>> register_pytree_with_keys(Box, lambda b: ([(GetAttrKey("v"), b.v)], None),
    ...                           lambda _, c: Box(*c))
    >>> keystr(tree_leaves_with_path(Box(1.0))[0][0])
    '.v'
    """
    if flatten is None:
        def flatten(x):
            keyed, aux = flatten_with_keys(x)
            return [c for _, c in keyed], aux
    register_pytree_node(node_type, flatten, unflatten, flatten_with_keys)


def register_pytree_node_class(cls: type) -> type:
    """Class decorator: register cls through its tree_flatten() method and its
    tree_unflatten(aux, children) classmethod.

    >>> @register_pytree_node_class
    ... class Scaled:
    ...     def __init__(self, x, scale): self.x, self.scale = x, scale
    ...     def tree_flatten(self): return (self.x,), self.scale
    ...     @classmethod
    ...     def tree_unflatten(cls, scale, children): return cls(*children, scale)
    >>> tree_leaves(Scaled(3.0, 2))
    [3.0]
    """
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def register_pytree_with_keys_class(cls: type) -> type:
    """Class decorator: register cls through its tree_flatten_with_keys() method, its
    tree_unflatten(aux, children) classmethod and, when it has one, tree_flatten().

    >>> @register_pytree_with_keys_class
    ... class Named:
    ...     def __init__(self, x): self.x = x
    ...     def tree_flatten_with_keys(self): return [(GetAttrKey("x"), self.x)], None
    ...     @classmethod
    ...     def tree_unflatten(cls, aux, children): return cls(*children)
    >>> keystr(tree_leaves_with_path(Named(1.0))[0][0])
    '.x'
    """
    flatten = (lambda x: x.tree_flatten()) if hasattr(cls, "tree_flatten") else None
    register_pytree_with_keys(cls, lambda x: x.tree_flatten_with_keys(), cls.tree_unflatten,
                              flatten)
    return cls


def register_dataclass(node_type: type, data_fields: Sequence[str] | None = None,
                       meta_fields: Sequence[str] | None = None,
                       drop_fields: Sequence[str] = ()) -> type:
    """Register a dataclass-like type: data_fields are children (arrays, pytrees), meta_fields
    static, hashable aux data; the type is rebuilt as node_type(**fields). For a dataclass
    both may be omitted: fields with metadata {"static": True} are meta, the rest data.
    Returns node_type, so it works as a decorator.

    >>> @register_dataclass
    ... @dataclasses.dataclass
    ... class Params:
    ...     w: float
    ...     name: str = dataclasses.field(default="p", metadata={"static": True})
    >>> tree_flatten(Params(1.0))[0]
    [1.0]
    """
    if data_fields is None or meta_fields is None:
        if (data_fields is None) != (meta_fields is None):
            raise TypeError("register_dataclass: data_fields and meta_fields must both be given"
                            f" when either is; got data_fields={data_fields!r}, "
                            f"meta_fields={meta_fields!r}")
        if not dataclasses.is_dataclass(node_type):
            raise TypeError("register_dataclass: data_fields and meta_fields are required when "
                            f"the type is not a dataclass; got {node_type!r}")
        fields = dataclasses.fields(node_type)
        data_fields = [f.name for f in fields if not f.metadata.get("static", False)]
        meta_fields = [f.name for f in fields if f.metadata.get("static", False)]
    # Tuples, so that a caller mutating its lists later cannot change the registration.
    data, meta = tuple(data_fields), tuple(meta_fields)
    if dataclasses.is_dataclass(node_type):
        init = {f.name for f in dataclasses.fields(node_type) if f.init} - set(drop_fields)
        if {*data, *meta} != init:
            missing, unexpected = init - {*data, *meta}, {*data, *meta} - init
            raise ValueError("register_dataclass: data_fields and meta_fields must include all "
                             "dataclass fields with init=True and only them; missing "
                             f"{sorted(missing)} (add them to drop_fields to allow that), "
                             f"unexpected {sorted(unexpected)}")

    def flatten(x):
        return tuple(getattr(x, n) for n in data), tuple(getattr(x, n) for n in meta)

    def flatten_with_keys(x):
        return ([(GetAttrKey(n), getattr(x, n)) for n in data],
                tuple(getattr(x, n) for n in meta))

    def unflatten(aux, children):
        return node_type(**dict(zip(meta, aux)), **dict(zip(data, children)))

    register_pytree_node(node_type, flatten, unflatten, flatten_with_keys)
    return node_type


def register_static(cls: type) -> type:
    """Register cls as a node with no children: an instance is kept whole in the structure
    (so it must be hashable), static under jit without static_argnums.

    >>> @register_static
    ... class Mode(str):
    ...     pass
    >>> tree_leaves((1.0, Mode("train")))
    [1.0]
    """
    register_pytree_with_keys(cls, lambda x: ((), x), lambda x, _: x)
    return cls


def _sequence_keys(xs):
    return [(SequenceKey(i), x) for i, x in enumerate(xs)], None


def _sorted_dict_keys(d):
    keys = sorted(d)
    return [(DictKey(k), d[k]) for k in keys], tuple(keys)


register_pytree_node(tuple, lambda t: (t, None), lambda _, c: tuple(c), _sequence_keys)
register_pytree_node(list, lambda t: (t, None), lambda _, c: list(c), _sequence_keys)
register_pytree_node(type(None), lambda _: ((), None), lambda _a, _c: None,
                     lambda _: ((), None))
register_pytree_node(
    dict,
    lambda d: (tuple(d[k] for k in sorted(d)), tuple(sorted(d))),
    lambda keys, c: dict(zip(keys, c)),
    _sorted_dict_keys)
# OrderedDict keeps its insertion order; defaultdict sorts like dict and keeps its factory.
register_pytree_node(
    collections.OrderedDict,
    lambda d: (tuple(d.values()), tuple(d)),
    lambda keys, c: collections.OrderedDict(zip(keys, c)),
    lambda d: ([(DictKey(k), v) for k, v in d.items()], tuple(d)))
register_pytree_node(
    collections.defaultdict,
    lambda d: (tuple(d[k] for k in sorted(d)), (d.default_factory, tuple(sorted(d)))),
    lambda aux, c: collections.defaultdict(aux[0], zip(aux[1], c)),
    lambda d: ([(DictKey(k), d[k]) for k in sorted(d)], (d.default_factory, tuple(sorted(d)))))

_NAMEDTUPLE = _NodeRules(
    lambda t: (tuple(t), None), None,
    lambda t: ([(GetAttrKey(f), v) for f, v in zip(t._fields, t)], None))


def _node_rules(x) -> _NodeRules | None:
    rules = _registry.get(type(x))
    if rules is None and isinstance(x, tuple) and hasattr(x, "_fields"):
        return _NAMEDTUPLE
    return rules


def _keyed_children(x, rules: _NodeRules) -> tuple[list, Hashable]:
    if rules.flatten_with_keys is None:
        children, aux = rules.flatten(x)
        return [(FlattenedIndexKey(i), c) for i, c in enumerate(children)], aux
    keyed, aux = rules.flatten_with_keys(x)
    return list(keyed), aux


# ----------------------------------------------------------------------------- structures


@dataclass(frozen=True)
class PyTreeDef:
    """The structure of a pytree with its leaves taken out; hashable, so it can key caches."""

    node_type: type | None
    node_data: Hashable
    children: tuple[PyTreeDef, ...]

    @property
    def num_leaves(self) -> int:
        return 1 if self.node_type is None else sum(c.num_leaves for c in self.children)

    @property
    def num_nodes(self) -> int:
        return 1 + sum(c.num_nodes for c in self.children)

    def unflatten(self, leaves: Iterable) -> Any:
        return tree_unflatten(self, leaves)

    def flatten_up_to(self, tree: Any) -> list:
        """The subtrees of tree at this structure's leaves (tree must have it as a prefix)."""
        return _flatten_up_to(self, tree, "flatten_up_to")

    def compose(self, inner: PyTreeDef) -> PyTreeDef:
        """This structure with inner in place of every leaf."""
        if self.node_type is None:
            return inner
        return PyTreeDef(self.node_type, self.node_data,
                         tuple(c.compose(inner) for c in self.children))

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
        children, aux = rules.flatten(x)
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
        rules = _registry.get(td.node_type)
        if rules is not None:
            return rules.unflatten(td.node_data, children)
        return td.node_type(*children)  # a namedtuple

    out = rec(treedef)
    if next(it, it) is not it:
        raise ValueError(f"too many leaves for the tree structure {treedef}")
    return out


def tree_leaves(tree: Any, is_leaf: Callable | None = None) -> list:
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable | None = None) -> PyTreeDef:
    return tree_flatten(tree, is_leaf)[1]


def _node_name(td: PyTreeDef) -> str:
    if td.node_type is dict:
        return f"a dict with keys {list(td.node_data)}"
    return f"a {td.node_type.__name__} of {len(td.children)} children"


def _flatten_up_to(treedef: PyTreeDef, tree: Any, fname: str) -> list:
    """The subtrees of tree at treedef's leaves; a ValueError naming where tree's structure
    departs from treedef's (tree may go deeper than treedef, never elsewhere)."""
    out: list = []

    # The walk stays on plain flatten (tree_map is on hot paths); the key path of a mismatch
    # is named from the (node, child index) trail only when there is one.
    def rec(td: PyTreeDef, x, trail: tuple) -> None:
        if td.node_type is None:
            out.append(x)
            return
        rules = _node_rules(x)
        if rules is not None and type(x) is td.node_type:
            children, aux = rules.flatten(x)
            children = tuple(children)
            if len(children) == len(td.children) and aux == td.node_data:
                for i, (child, child_td) in enumerate(zip(children, td.children)):
                    rec(child_td, child, (*trail, (x, rules, i)))
                return
        path = tuple(_keyed_children(node, r)[0][i][0] for node, r, i in trail)
        raise ValueError(f"{fname}: structures differ at {keystr(path) or 'the root'}: "
                         f"expected {_node_name(td)}, got {x!r}")

    rec(treedef, tree, ())
    return out


def tree_map(f: Callable, tree: Any, *rest: Any, is_leaf: Callable | None = None) -> Any:
    """Apply f leaf-wise to one pytree, or to several: each of rest has tree's structure or
    goes deeper, and f then gets rest's whole subtree at each leaf of tree.

    >>> tree_map(lambda a, b: a + b, (1, {"x": 2}), (10, {"x": 20}))
    (11, {'x': 22})
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = [_flatten_up_to(treedef, r, "tree_map") for r in rest]
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


# ----------------------------------------------------------------------------- key paths


def _flatten_with_path(tree: Any, is_leaf: Callable | None,
                       is_leaf_takes_path: bool) -> tuple[list, PyTreeDef]:
    leaves: list = []

    def rec(x, path: tuple) -> PyTreeDef:
        stop = is_leaf is not None and (is_leaf(path, x) if is_leaf_takes_path else is_leaf(x))
        rules = None if stop else _node_rules(x)
        if rules is None:
            leaves.append((path, x))
            return LEAF
        keyed, aux = _keyed_children(x, rules)
        return PyTreeDef(type(x), aux, tuple(rec(c, (*path, k)) for k, c in keyed))

    return leaves, rec(tree, ())


def tree_flatten_with_path(tree: Any, is_leaf: Callable | None = None,
                           is_leaf_takes_path: bool = False) -> tuple[list, PyTreeDef]:
    """tree_flatten, with each leaf as (key path, leaf); is_leaf gets (path, x) when
    is_leaf_takes_path.

    >>> pairs, _ = tree_flatten_with_path({"a": (1.0,)})
    >>> pairs
    [((DictKey(key='a'), SequenceKey(idx=0)), 1.0)]
    """
    return _flatten_with_path(tree, is_leaf, is_leaf_takes_path)


def tree_leaves_with_path(tree: Any, is_leaf: Callable | None = None,
                          is_leaf_takes_path: bool = False) -> list:
    """The (key path, leaf) pairs of tree, in leaf order.

    >>> [(keystr(p), x) for p, x in tree_leaves_with_path([1.0, {"b": 2.0}])]
    [('[0]', 1.0), ("[1]['b']", 2.0)]
    """
    return _flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def tree_map_with_path(f: Callable, tree: Any, *rest: Any, is_leaf: Callable | None = None,
                       is_leaf_takes_path: bool = False) -> Any:
    """tree_map with f(path, leaf, *others): path is the leaf's key path in tree.

    >>> tree_map_with_path(lambda p, x: keystr(p), {"a": 1, "b": [2]})
    {'a': "['a']", 'b': ["['b'][0]"]}
    """
    pairs, treedef = _flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    others = [_flatten_up_to(treedef, r, "tree_map_with_path") for r in rest]
    return tree_unflatten(treedef, [f(p, x, *xs) for (p, x), *xs in zip(pairs, *others)])


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


# ----------------------------------------------------------------------------- one level


def _rules_or_raise(fname: str, tree: Any) -> _NodeRules:
    rules = _node_rules(tree)
    if rules is None:
        raise ValueError(f"{fname}: can't tree-flatten type: {type(tree)} (a leaf, not a "
                         "registered pytree node)")
    return rules


def flatten_one_level(tree: Any) -> tuple[tuple, Hashable]:
    """The children of a pytree node and its aux data (a namedtuple's is its type).

    >>> flatten_one_level({"a": [1, 2], "b": {"c": 3}})
    (([1, 2], {'c': 3}), ('a', 'b'))
    """
    rules = _rules_or_raise("flatten_one_level", tree)
    children, aux = rules.flatten(tree)
    return tuple(children), (type(tree) if rules is _NAMEDTUPLE else aux)


def flatten_one_level_with_keys(tree: Any) -> tuple[list, Hashable]:
    """flatten_one_level with each child as (key, child).

    >>> flatten_one_level_with_keys([5, 6])[0]
    [(SequenceKey(idx=0), 5), (SequenceKey(idx=1), 6)]
    """
    rules = _rules_or_raise("flatten_one_level_with_keys", tree)
    keyed, aux = _keyed_children(tree, rules)
    return keyed, (type(tree) if rules is _NAMEDTUPLE else aux)


def is_tree_node(tree: Any, is_leaf: Callable | None = None) -> bool:
    """Whether tree is a pytree node (None is one, with no children) rather than a leaf.

    >>> is_tree_node((1,)), is_tree_node(None), is_tree_node(1.0)
    (True, True, False)
    """
    if is_leaf is not None and is_leaf(tree):
        return False
    return _node_rules(tree) is not None


def all_leaves(iterable: Iterable, is_leaf: Callable | None = None) -> bool:
    """Whether every element is a leaf (None is not: it is an empty node).

    >>> all_leaves([1.0, 2.0]), all_leaves([1.0, (2.0,)])
    (True, False)
    """
    return not any(is_tree_node(x, is_leaf) for x in iterable)


# ----------------------------------------------------------------------------- treedefs


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
    """The structures of the root's children.

    >>> treedef_children(tree_structure([(1, 2), 3]))
    [(*, *), *]
    """
    return list(treedef.children)


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Whether the structure is a single node: a leaf, None or an empty container.

    >>> treedef_is_leaf(tree_structure(1.0)), treedef_is_leaf(tree_structure([1.0]))
    (True, False)
    """
    return treedef.num_nodes == 1


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
    """The structure of a tuple of trees of the given structures.

    >>> treedef_tuple([tree_structure(1), tree_structure([1, 2])]) == tree_structure((1, [1, 2]))
    True
    """
    return PyTreeDef(tuple, None, tuple(treedefs))


# ----------------------------------------------------------------------------- reductions


_NO_INITIALIZER = object()


def tree_reduce(function: Callable, tree: Any, initializer: Any = _NO_INITIALIZER,
                is_leaf: Callable | None = None) -> Any:
    """functools.reduce over the leaves.

    >>> tree_reduce(lambda a, b: a + b, {"a": 1, "b": [2, 3]})
    6
    """
    leaves = tree_leaves(tree, is_leaf)
    if initializer is _NO_INITIALIZER:
        if not leaves:
            raise TypeError("tree_reduce: the tree has no leaves and no initializer was given")
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_reduce_associative(operation: Callable, tree: Any, *,
                            identity: Any = _NO_INITIALIZER,
                            is_leaf: Callable | None = None) -> Any:
    """Reduce the leaves pairwise, as a balanced tree (depth log2 of the leaf count), with an
    associative operation; identity is returned for a tree without leaves.

    >>> tree_reduce_associative(max, [3, (1, 4), 1])
    4
    """
    leaves = tree_leaves(tree, is_leaf)
    if not leaves:
        if identity is _NO_INITIALIZER:
            raise TypeError("tree_reduce_associative: the tree has no leaves; pass identity=")
        return identity
    while len(leaves) > 1:
        paired = [operation(a, b) for a, b in zip(leaves[::2], leaves[1::2])]
        leaves = paired + leaves[len(paired) * 2:]
    return leaves[0]


def tree_all(tree: Any, *, is_leaf: Callable | None = None) -> bool:
    """Whether every leaf is truthy.

    >>> tree_all([True, {"a": 1}]), tree_all([True, 0])
    (True, False)
    """
    return all(tree_leaves(tree, is_leaf))


# ----------------------------------------------------------------------------- reshaping


def tree_broadcast(prefix_tree: Any, full_tree: Any, is_leaf: Callable | None = None) -> Any:
    """full_tree's structure with each of its leaves replaced by prefix_tree's leaf above it
    (prefix_tree must be a prefix of full_tree).

    >>> tree_broadcast((1, 2), ([10, 20], {"a": 30}))
    ([1, 1], {'a': 2})
    """
    leaves, treedef = tree_flatten(prefix_tree, is_leaf)
    subtrees = _flatten_up_to(treedef, full_tree, "tree_broadcast")
    out = [x for x, sub in zip(leaves, subtrees) for _ in range(tree_structure(sub).num_leaves)]
    return tree_unflatten(tree_structure(full_tree), out)


def tree_transpose(outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None,
                   pytree_to_transpose: Any) -> Any:
    """Turn an outer tree of inner trees into an inner tree of outer trees; inner_treedef
    None takes it from the first inner tree.

    >>> tree_transpose(tree_structure([0, 0]), tree_structure((0, 0)), [(1, 2), (3, 4)])
    ([1, 3], [2, 4])
    """
    leaves, treedef = tree_flatten(pytree_to_transpose)
    if inner_treedef is None:
        inner_treedef = tree_structure(outer_treedef.flatten_up_to(pytree_to_transpose)[0])
    expected = outer_treedef.compose(inner_treedef)
    if treedef != expected:
        raise TypeError(f"tree_transpose: expected a tree of structure {expected} (outer "
                        f"{outer_treedef}, inner {inner_treedef}), got {treedef}")
    n_inner = inner_treedef.num_leaves
    # leaves run outer-major, so the j-th inner leaf of every outer leaf is leaves[j::n_inner]
    columns = [leaves[j::n_inner] for j in range(n_inner)]
    return tree_unflatten(inner_treedef,
                          [tree_unflatten(outer_treedef, col) for col in columns])
