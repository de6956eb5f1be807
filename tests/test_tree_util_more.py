"""jax.tree_util's wider API: key paths, registration helpers, reductions, prefix
broadcasting, transposition, and registered nodes through grad, jit and vmap."""
from __future__ import annotations

import dataclasses
import functools
from collections import OrderedDict, defaultdict, namedtuple

import numpy as np
import pytest

import numbax as nb
from numbax import tree_util as tu
from numbax.tree_util import (
    DictKey,
    FlattenedIndexKey,
    GetAttrKey,
    SequenceKey,
    keystr,
)

Point = namedtuple("Point", ["x", "y"])


class Untyped:
    """Registered without keys: its children get FlattenedIndexKey."""

    def __init__(self, a, b):
        self.a, self.b = a, b


tu.register_pytree_node(Untyped, lambda u: ((u.a, u.b), None), lambda _, c: Untyped(*c))


@tu.register_pytree_node_class
class Scaled:
    def __init__(self, x, scale):
        self.x, self.scale = x, scale

    def tree_flatten(self):
        return (self.x,), self.scale

    @classmethod
    def tree_unflatten(cls, scale, children):
        return cls(children[0], scale)


@tu.register_pytree_with_keys_class
class Named:
    def __init__(self, u, v):
        self.u, self.v = u, v

    def tree_flatten_with_keys(self):
        return [(GetAttrKey("u"), self.u), (GetAttrKey("v"), self.v)], None

    @classmethod
    def tree_unflatten(cls, _, children):
        return cls(*children)


@functools.partial(tu.register_dataclass, data_fields=["w", "b"], meta_fields=["act"])
@dataclasses.dataclass
class Layer:
    w: object
    b: object
    act: str = "tanh"


@tu.register_dataclass
@dataclasses.dataclass
class Auto:
    x: object
    tag: str = dataclasses.field(default="t", metadata={"static": True})


@tu.register_static
@dataclasses.dataclass(frozen=True)
class Mode:
    name: str


def _index(tree, path):
    """Follow a key path with Python indexing: the reference for tree_flatten_with_path."""
    for key in path:
        if isinstance(key, SequenceKey):
            tree = tree[key.idx]
        elif isinstance(key, DictKey):
            tree = tree[key.key]
        elif isinstance(key, GetAttrKey):
            tree = getattr(tree, key.name)
        else:
            tree = tu.flatten_one_level(tree)[0][key.key]
    return tree


TREES = [
    {"b": [1.0, (2.0, None)], "a": Point(3.0, 4.0)},
    OrderedDict([("z", 1.0), ("a", [2.0])]),
    defaultdict(list, {"q": 1.0, "p": 2.0}),
    [Untyped(1.0, {"k": 2.0}), Scaled(3.0, 2), Named(4.0, [5.0])],
    (Layer(1.0, 2.0), Auto(3.0), Mode("eval")),
]


@pytest.mark.parametrize("tree", TREES, ids=lambda t: type(t).__name__)
def test_flatten_with_path_agrees_with_flatten_and_indexing(tree):
    pairs, treedef = tu.tree_flatten_with_path(tree)
    leaves, want_def = tu.tree_flatten(tree)
    assert treedef == want_def
    assert [x for _, x in pairs] == leaves
    for path, leaf in pairs:
        assert _index(tree, path) is leaf
    assert tu.tree_leaves_with_path(tree) == pairs


def test_key_entries_print_as_jax_does():
    pairs = tu.tree_leaves_with_path([Point(1.0, {"k": 2.0}), Untyped(3.0, 4.0)])
    assert [keystr(p) for p, _ in pairs] == [
        "[0].x", "[0].y['k']", "[1][<flat index 0>]", "[1][<flat index 1>]"]
    assert [keystr(p, simple=True, separator="/") for p, _ in pairs] == [
        "0/x", "0/y/k", "1/0", "1/1"]
    assert repr(DictKey("a")) == "DictKey(key='a')" and SequenceKey(1) == SequenceKey(1)
    assert len({GetAttrKey("x"), GetAttrKey("x"), FlattenedIndexKey(0)}) == 2
    assert keystr((0, "a")) == "0a"  # any key prints through str


def test_is_leaf_may_take_the_path():
    tree = {"keep": (1.0, 2.0), "split": (3.0, 4.0)}
    pairs, treedef = tu.tree_flatten_with_path(
        tree, is_leaf=lambda p, x: p == (DictKey("keep"),), is_leaf_takes_path=True)
    assert [x for _, x in pairs] == [(1.0, 2.0), 3.0, 4.0]
    assert tu.tree_unflatten(treedef, [x for _, x in pairs]) == tree


def test_map_with_path_passes_paths_and_other_trees():
    out = tu.tree_map_with_path(lambda p, x, y: (keystr(p), x + y), {"a": 1, "b": [2]},
                                {"a": 10, "b": [20]})
    assert out == {"a": ("['a']", 11), "b": [("['b'][0]", 22)]}


def test_tree_map_accepts_deeper_trees_after_the_first():
    out = tu.tree_map(lambda x, sub: (x, sub), [1, 2], [(3, 4), {"a": 5}])
    assert out == [(1, (3, 4)), (2, {"a": 5})]
    with pytest.raises(ValueError, match=r"structures differ at \[1\]"):
        tu.tree_map(lambda x, y: x, [1, (2,)], [1, [2]])


def test_flatten_one_level():
    assert tu.flatten_one_level({"b": 1, "a": [2]}) == (([2], 1), ("a", "b"))
    assert tu.flatten_one_level(Point(1, 2)) == ((1, 2), Point)
    assert tu.flatten_one_level(Layer(1, 2, "relu")) == ((1, 2), ("relu",))
    assert tu.flatten_one_level_with_keys(Point(1, 2)) == (
        [(GetAttrKey("x"), 1), (GetAttrKey("y"), 2)], Point)
    assert tu.flatten_one_level_with_keys(Untyped(1, 2))[0] == [
        (FlattenedIndexKey(0), 1), (FlattenedIndexKey(1), 2)]
    with pytest.raises(ValueError, match="can't tree-flatten type"):
        tu.flatten_one_level(np.ones(2))


def test_node_and_leaf_predicates():
    assert tu.is_tree_node(None) and tu.is_tree_node([]) and tu.is_tree_node(Mode("a"))
    assert not tu.is_tree_node(np.ones(2)) and not tu.is_tree_node((1,), is_leaf=bool)
    assert tu.all_leaves(tu.tree_leaves(TREES[0]))
    assert not tu.all_leaves([1.0, None]) and not tu.all_leaves([[1.0]])
    assert tu.all_leaves([(1, 2)], is_leaf=lambda x: isinstance(x, tuple))


def test_treedef_helpers():
    x = [(1, 2), 3, {"a": 4}]
    treedef = tu.tree_structure(x)
    assert tu.treedef_children(treedef) == [tu.tree_structure(c) for c in x]
    assert tu.treedef_tuple(tu.treedef_children(treedef)) == tu.tree_structure(tuple(x))
    for tree, leaf in [(1.0, True), (None, True), ((), True), ([1.0], False), (Mode("a"), True)]:
        assert tu.treedef_is_leaf(tu.tree_structure(tree)) is leaf
    assert treedef.num_nodes == 7  # list, tuple, 2 leaves, leaf, dict, leaf
    assert treedef.flatten_up_to([(5, [8]), 6, {"a": 7}]) == [5, [8], 6, 7]


def test_reductions_follow_functools_reduce():
    tree = {"a": [1, 2], "b": (3, None, 4)}
    assert tu.tree_reduce(lambda a, b: a - b, tree) == functools.reduce(
        lambda a, b: a - b, tu.tree_leaves(tree))
    assert tu.tree_reduce(lambda a, b: a + b, [], 10) == 10
    with pytest.raises(TypeError, match="no leaves"):
        tu.tree_reduce(lambda a, b: a + b, [None])
    assert tu.tree_all({"a": [True, 1]}) and not tu.tree_all([True, [0]]) and tu.tree_all([])


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13])
def test_reduce_associative_keeps_the_leaf_order(n):
    # string concatenation is associative but not commutative: any reordering shows
    tree = [{"v": chr(97 + i)} if i % 2 else chr(97 + i) for i in range(n)]
    assert tu.tree_reduce_associative(lambda a, b: a + b, tree) == "".join(tu.tree_leaves(tree))
    assert tu.tree_reduce_associative(lambda a, b: a + b, [None], identity="") == ""
    with pytest.raises(TypeError, match="identity"):
        tu.tree_reduce_associative(lambda a, b: a + b, {})


def test_tree_broadcast_replicates_prefix_leaves():
    full = ([10, 20], {"a": 30, "b": None}, 40)
    assert tu.tree_broadcast((1, 2, 3), full) == ([1, 1], {"a": 2, "b": None}, 3)
    assert tu.tree_broadcast(7, full) == ([7, 7], {"a": 7, "b": None}, 7)
    with pytest.raises(ValueError, match="structures differ"):
        tu.tree_broadcast((1, 2), full)


def test_tree_transpose_swaps_outer_and_inner():
    outer = tu.tree_structure([0, 0, 0])
    inner = tu.tree_structure({"a": 0, "b": (0,)})
    tree = [{"a": i, "b": (10 * i,)} for i in range(3)]
    want = {"a": [0, 1, 2], "b": ([0, 10, 20],)}
    assert tu.tree_transpose(outer, inner, tree) == want
    assert tu.tree_transpose(outer, None, tree) == want
    back = tu.tree_transpose(inner, outer, want)
    assert back == tree
    with pytest.raises(TypeError, match="tree_transpose: expected"):
        tu.tree_transpose(outer, tu.tree_structure((0, 0)), [(1, 2), (3, 4), [5, 6]])


def test_registration_errors():
    with pytest.raises(ValueError, match="Duplicate"):
        tu.register_pytree_node(Untyped, lambda u: ((), None), lambda *_: None)

    @dataclasses.dataclass
    class Partial:
        a: float
        b: float

    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        tu.register_dataclass(Partial, data_fields=["a"], meta_fields=[])
    with pytest.raises(TypeError, match="both"):
        tu.register_dataclass(Partial, data_fields=["a", "b"])
    tu.register_dataclass(Partial, data_fields=["a"], meta_fields=[], drop_fields=["b"])
    with pytest.raises(TypeError, match="required"):
        tu.register_dataclass(type("NotDataclass", (), {}))


def test_registered_nodes_round_trip():
    for tree in TREES:
        leaves, treedef = tu.tree_flatten(tree)
        rebuilt = tu.tree_unflatten(treedef, leaves)
        assert type(rebuilt) is type(tree) and tu.tree_structure(rebuilt) == treedef
    rebuilt = tu.tree_unflatten(tu.tree_structure(TREES[2]), [5.0, 6.0])
    assert rebuilt.default_factory is list and dict(rebuilt) == {"p": 5.0, "q": 6.0}
    assert list(tu.tree_map(lambda x: x, TREES[1])) == ["z", "a"]


def _loss(layer, auto, mode, x):
    h = nb.numpy.tanh(x @ layer.w + layer.b) if layer.act == "tanh" else x @ layer.w
    scale = 2.0 if mode.name == "train" else 1.0
    return nb.numpy.sum(h * auto.x) * scale


def test_registered_nodes_work_through_grad_jit_and_vmap():
    rng = np.random.default_rng(0)
    layer = Layer(rng.normal(size=(3, 2)), rng.normal(size=2))
    auto = Auto(rng.normal(size=2))
    x = rng.normal(size=(4, 3))

    def np_loss(w, b, a, scale):
        return np.sum(np.tanh(x @ w + b) * a) * scale

    for mode, scale in [(Mode("train"), 2.0), (Mode("eval"), 1.0)]:
        got = nb.jit(_loss)(layer, auto, mode, x)
        np.testing.assert_allclose(got, np_loss(layer.w, layer.b, auto.x, scale), rtol=1e-12)
    g_layer, g_auto = nb.grad(_loss, argnums=(0, 1))(layer, auto, Mode("eval"), x)
    assert isinstance(g_layer, Layer) and g_layer.act == "tanh" and isinstance(g_auto, Auto)
    eps = 1e-6
    fd = np.zeros_like(layer.b)
    for i in range(2):
        db = np.eye(2)[i] * eps
        fd[i] = (np_loss(layer.w, layer.b + db, auto.x, 1.0)
                 - np_loss(layer.w, layer.b - db, auto.x, 1.0)) / (2 * eps)
    np.testing.assert_allclose(g_layer.b, fd, rtol=1e-6)

    batch = Scaled(rng.normal(size=(5, 2)), 3)
    out = nb.vmap(lambda s: Scaled(s.x * s.scale, s.scale))(batch)
    assert isinstance(out, Scaled) and out.scale == 3
    np.testing.assert_allclose(out.x, np.stack([row * 3 for row in batch.x]))
