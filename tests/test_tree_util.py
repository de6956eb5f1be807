"""Pytrees: flatten/unflatten round trips, registered nodes, tree_map over several trees."""
from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

from numbax.tree_util import (
    register_pytree_node,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_structure,
    tree_unflatten,
)

Point = namedtuple("Point", ["x", "y"])


class Pair:
    """A user container registered as a pytree node; `tag` is static metadata."""

    def __init__(self, first, second, tag="pair"):
        self.first, self.second, self.tag = first, second, tag

    def __eq__(self, other):
        return (isinstance(other, Pair) and (self.first, self.second, self.tag)
                == (other.first, other.second, other.tag))


register_pytree_node(Pair, lambda p: ((p.first, p.second), p.tag),
                     lambda tag, children: Pair(*children, tag=tag))

TREES = [
    1.0,
    (),
    (1, 2.0),
    [1, [2, (3,)]],
    {"b": 1, "a": (2, 3), "c": {}},
    None,
    (None, 1, [None]),
    Point(1, (2, 3)),
    Pair(1, [2, 3], tag="t"),
    {"p": Pair(Point(1, 2), None), "l": [{"x": 3}]},
]

# The leaves of each tree in TREES, in order: written out so a wrong order is caught.
LEAVES = [[1.0], [], [1, 2.0], [1, 2, 3], [2, 3, 1], [], [1], [1, 2, 3], [1, 2, 3], [3, 1, 2]]


@pytest.mark.parametrize(("tree", "leaves"), list(zip(TREES, LEAVES)), ids=repr)
def test_flatten_then_unflatten_round_trips(tree, leaves):
    got, treedef = tree_flatten(tree)
    assert got == leaves
    assert treedef.num_leaves == len(leaves)
    rebuilt = tree_unflatten(treedef, got)
    assert rebuilt == tree and type(rebuilt) is type(tree)
    assert tree_structure(rebuilt) == treedef and hash(tree_structure(rebuilt)) == hash(treedef)


def test_dict_leaves_follow_sorted_keys_and_rebuild_all_keys():
    leaves, treedef = tree_flatten({"z": 1, "a": 2, "m": 3})
    assert leaves == [2, 3, 1]
    assert tree_unflatten(treedef, [10, 20, 30]) == {"a": 10, "m": 20, "z": 30}


def test_namedtuples_rebuild_as_the_same_type():
    out = tree_unflatten(tree_structure(Point(1, 2)), ["a", "b"])
    assert isinstance(out, Point) and (out.x, out.y) == ("a", "b")


def test_registered_node_keeps_its_static_metadata():
    treedef = tree_structure(Pair(1, 2, tag="meta"))
    assert tree_unflatten(treedef, [5, 6]) == Pair(5, 6, tag="meta")
    assert treedef != tree_structure(Pair(1, 2, tag="other"))


def test_arrays_are_leaves():
    x = np.ones((2, 3))
    leaves, treedef = tree_flatten({"w": x, "b": [np.zeros(2)]})
    assert leaves[1] is x and len(leaves) == 2
    assert treedef.num_leaves == 2


def test_structures_compare_by_shape_not_by_leaves():
    assert tree_structure((1, [2])) == tree_structure(("a", ["b"]))
    assert tree_structure((1, [2])) != tree_structure((1, (2,)))
    assert tree_structure([1, 2]) != tree_structure([1, 2, 3])
    assert tree_structure({"a": 1}) != tree_structure({"b": 1})
    assert tree_structure(None) != tree_structure(1)


def test_is_leaf_stops_descending():
    tree = {"a": (1, 2), "b": [3]}
    leaves, treedef = tree_flatten(tree, is_leaf=lambda x: isinstance(x, tuple))
    assert leaves == [(1, 2), 3]
    assert tree_unflatten(treedef, leaves) == tree
    assert tree_leaves(tree, is_leaf=lambda x: isinstance(x, list)) == [1, 2, [3]]


def test_unflatten_rejects_too_many_or_too_few_leaves():
    treedef = tree_structure((1, 2))
    with pytest.raises(ValueError, match="too many leaves"):
        tree_unflatten(treedef, [1, 2, 3])
    with pytest.raises(ValueError, match="too few leaves"):
        tree_unflatten(treedef, [1])


def test_tree_map_applies_a_function_to_every_leaf():
    tree = {"a": [1, 2], "b": (3, None), "c": Point(4, Pair(5, 6))}
    out = tree_map(lambda x: x * 10, tree)
    assert out == {"a": [10, 20], "b": (30, None), "c": Point(40, Pair(50, 60))}


def test_tree_map_zips_several_trees_of_one_structure():
    a, b, c = ({"x": 1, "y": [2, 3]}, {"x": 10, "y": [20, 30]}, {"x": 100, "y": [200, 300]})
    assert tree_map(lambda *xs: sum(xs), a, b, c) == {"x": 111, "y": [222, 333]}


@pytest.mark.parametrize("other", [
    (1, 2), [1, [2, 3]], [1, (2,)], {"x": 1, "y": [2]}, [1],
], ids=repr)
def test_tree_map_rejects_mismatched_structures(other):
    with pytest.raises(ValueError, match="structures differ"):
        tree_map(lambda a, b: a + b, [1, [2]], other)


def test_tree_map_with_is_leaf_treats_subtrees_as_leaves():
    out = tree_map(len, {"a": (1, 2), "b": [(3,)]}, is_leaf=lambda x: isinstance(x, tuple))
    assert out == {"a": 2, "b": [1]}


def test_treedef_repr_shows_the_structure():
    assert repr(tree_structure({"a": (1,), "b": [2, None]})) == "{'a': (*,), 'b': [*, None]}"
    assert repr(tree_structure(Pair(1, 2))) == "Pair(*, *)"
