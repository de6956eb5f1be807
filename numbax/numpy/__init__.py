"""numbax.numpy: a NumPy-like namespace written in terms of lax primitives.

NumPy semantics: broadcasting, NumPy 2 dtype promotion (Python scalars are weakly typed),
float64 by default. Outside any transformation the results are plain NumPy arrays.

>>> import numpy as np, numbax.numpy as xnp
>>> xnp.sin(np.zeros(2)) + 1
array([1., 1.])

One module per job, each listing its functions in `__all__`, all re-exported here:
`creation`, `dtypes`, `elementwise`, `bits`, `reductions`, `statistics`, `sorting`,
`products`, `polynomial`, `windows`, `differences`, `shapes`, `assembly`, `indexing` and
`updates` (`.at[]`). `arguments` holds the argument checks and dtype promotion (public for
the modules built on numbax.numpy, such as numbax.nn); `methods` installs Tracer's operators
and ndarray methods, and `protocols` its NumPy hooks (NEP 13/18), when numbax.numpy is
imported.
"""
from __future__ import annotations

import numpy as np

from . import (
    arguments,
    assembly,
    bits,
    creation,
    differences,
    dtypes,
    elementwise,
    fft,  # a submodule, as numpy.fft: not star-imported
    indexing,
    linalg,  # a submodule, as numpy.linalg: not star-imported
    methods,
    polynomial,
    products,
    reductions,
    shapes,
    sorting,
    statistics,
    updates,
    windows,
)
from .assembly import *
from .bits import *
from .creation import *
from .differences import *
from .dtypes import *
from .elementwise import *
from .indexing import *
from .polynomial import *
from .products import *
from .reductions import *
from .shapes import *
from .sorting import *
from .statistics import *
from .updates import *
from .windows import *

ndarray = np.ndarray
float32, float64, int32, int64, bool_ = np.float32, np.float64, np.int32, np.int64, np.bool_
float16, int8, int16, uint8, uint32, uint64 = (np.float16, np.int8, np.int16, np.uint8,
                                               np.uint32, np.uint64)
pi, e, inf, nan, newaxis = np.pi, np.e, np.inf, np.nan, None
dtype, finfo, iinfo = np.dtype, np.finfo, np.iinfo

__all__ = [
    # NumPy's types, dtypes and constants
    "ndarray", "dtype", "finfo", "iinfo",
    "bool_", "int8", "int16", "int32", "int64", "uint8", "uint32", "uint64",
    "float16", "float32", "float64", "pi", "e", "inf", "nan", "newaxis",
    *(name for module in (
        assembly,
        bits,
        creation,
        differences,
        dtypes,
        elementwise,
        indexing,
        polynomial,
        products,
        reductions,
        shapes,
        sorting,
        statistics,
        updates,
        windows,
    ) for name in module.__all__),
]
