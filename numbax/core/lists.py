"""Splitting and merging the flat operand lists of primitives that hold bodies.

A loop's operands are consts, carries and per-iteration inputs side by side, and a
transformation keeps some of each (the nonzero tangents, the unknown values): these helpers
name those steps so that the rules read without index arithmetic.

>>> split_list([1, 2, 3, 4, 5], [1, 3])
[[1], [2, 3, 4], [5]]
>>> partition_list([True, False, True], ["a", "b", "c"])
(['b'], ['a', 'c'])
>>> merge_lists([True, False, True], ["b"], ["a", "c"])
['a', 'b', 'c']
"""
from __future__ import annotations

from collections.abc import Sequence


def split_list(xs: Sequence, sizes: Sequence[int]) -> list[list]:
    """xs cut into consecutive pieces of the given sizes, plus the rest as a last piece."""
    xs, pieces, start = list(xs), [], 0
    for n in sizes:
        pieces.append(xs[start:start + n])
        start += n
    if start > len(xs):
        raise ValueError(f"split_list: sizes {list(sizes)} add up to more than {len(xs)} items")
    return pieces + [xs[start:]]


def partition_list(flags: Sequence[bool], xs: Sequence) -> tuple[list, list]:
    """(the items whose flag is false, the items whose flag is true), each in order."""
    if len(flags) != len(xs):
        raise ValueError(f"partition_list: {len(flags)} flags for {len(xs)} items")
    falses = [x for f, x in zip(flags, xs) if not f]
    trues = [x for f, x in zip(flags, xs) if f]
    return falses, trues


def merge_lists(flags: Sequence[bool], falses: Sequence, trues: Sequence) -> list:
    """The inverse of partition_list: items taken from trues where the flag is true."""
    if len(falses) + len(trues) != len(flags) or sum(map(bool, flags)) != len(trues):
        raise ValueError(f"merge_lists: {len(falses)} + {len(trues)} items do not fit "
                         f"{len(flags)} flags of which {sum(map(bool, flags))} are true")
    it_f, it_t = iter(falses), iter(trues)
    return [next(it_t) if f else next(it_f) for f in flags]


def regroup(xs: Sequence, sizes: Sequence[int], order: Sequence[int]) -> list:
    """xs cut as split_list(xs, sizes) and the pieces joined in the given order."""
    pieces = split_list(xs, sizes)
    if sorted(order) != list(range(len(pieces))):
        raise ValueError(f"regroup: order {list(order)} is not a permutation of "
                         f"{len(pieces)} pieces")
    return [x for i in order for x in pieces[i]]
