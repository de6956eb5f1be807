"""Where in the user's program an operation came from: the first frame outside numbax.

A site is a plain tuple (filename, lineno, function name), made on every traced bind, so it
must be cheap: a walk up sys._getframe comparing filenames, no traceback objects. Equations
keep the site that staged them (Eqn.source_info) and tracers the site that created them, so
that debug_nans and leaked-tracer errors can point at the user's line long after tracing.
"""
from __future__ import annotations

import os
import sys
import threading


class _Current(threading.local):
    """current.site: the site that binds made now should report instead of walking the stack.

    bind sets it while a primitive is processed (nested binds of rules then report the user's
    line, not the rule's) and eval_jaxpr while it replays an equation (a transformed program
    keeps the original line). Per thread, like the trace stack.
    """

    site: tuple | None = None


current = _Current()

_PACKAGE = os.path.dirname(os.path.dirname(__file__)) + os.sep
# Generated code (executables, kernels) is numbax's too.
_INTERNAL = (_PACKAGE, "<numbax")


def user_site(skip: int = 0) -> tuple | None:
    """The (filename, lineno, function) of the innermost frame outside the numbax package.

    skip: how many of the caller's callers are known to be numbax's; sys._getframe jumps over
    them without materialising their frame objects, which is most of a walk's cost.
    """
    site = current.site
    if site is not None:
        return site
    try:
        f = sys._getframe(skip + 1)
    except ValueError:
        return None
    while f is not None and f.f_code.co_filename.startswith(_INTERNAL):
        f = f.f_back
    if f is None:
        return None
    return f.f_code.co_filename, f.f_lineno, f.f_code.co_name


def format_site(site: tuple | None) -> str:
    """`file.py:12 (in f)`, or `an unknown location` when no user frame was found."""
    if site is None:
        return "an unknown location"
    filename, lineno, function = site
    return f"{filename}:{lineno} (in {function})"
