"""The list helpers of body-holding primitives: partition and merge are inverses, split and
regroup keep every item once."""
from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from numbax.core import lists
from numbax.core.lists import merge_lists, partition_list, regroup, split_list


def test_docstring_examples():
    assert doctest.testmod(lists).failed == 0


@given(st.lists(st.booleans(), max_size=12))
def test_partition_then_merge_is_identity(flags):
    xs = list(range(len(flags)))
    falses, trues = partition_list(flags, xs)
    assert trues == [x for x, f in zip(xs, flags) if f]
    assert merge_lists(flags, falses, trues) == xs


@given(st.lists(st.integers(0, 4), max_size=5), st.integers(0, 4))
def test_split_concatenates_back(sizes, extra):
    xs = list(range(sum(sizes) + extra))
    pieces = split_list(xs, sizes)
    assert [len(p) for p in pieces] == list(sizes) + [extra]
    assert [x for p in pieces for x in p] == xs


@given(st.lists(st.integers(0, 3), min_size=1, max_size=4).flatmap(
    lambda sizes: st.tuples(st.just(sizes), st.permutations(range(len(sizes) + 1)))))
def test_regroup_permutes_pieces(args):
    sizes, order = args
    xs = list(range(sum(sizes) + 2))
    pieces = split_list(xs, sizes)
    assert regroup(xs, sizes, order) == [x for i in order for x in pieces[i]]


@pytest.mark.parametrize("call, message", [
    (lambda: split_list([1, 2], [3]), "add up to more than 2"),
    (lambda: partition_list([True], [1, 2]), "1 flags for 2 items"),
    (lambda: merge_lists([True, False], [1], []), "do not fit"),
    (lambda: regroup([1, 2], [1], [0, 0]), "not a permutation"),
])
def test_mismatched_lengths_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()
