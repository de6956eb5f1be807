"""Small matrix products that BLAS runs on the calling thread.

OpenBLAS (NumPy's BLAS) runs a GEMM of m * n * k <= 4 * 65536 on the calling thread and
splits bigger ones across its threads. On a shared machine a split small GEMM waits for a
descheduled worker thread: a (1024, 144) @ (144, 32) float32 product took 0.056 ms median
but 1.0-1.7 ms mean (ten-millisecond stalls; load average 3 on the 2-core development
machine), against 0.087 ms median and 0.28 ms mean in row blocks under that bound. The CNN
of examples/cnn.py spent most of a 13-40 ms step in such stalls. So products of at most
SPLIT_MAX_WORK multiply-adds run in row blocks of at most BLAS_SERIAL_WORK each (while a
block keeps MIN_BLOCK_ROWS rows, so BLAS still sees a matrix), or else in blocks of the
contraction of at least MIN_BLOCK_DEPTH, summed; bigger ones, where threads pay for
themselves, go to BLAS whole. Other BLAS libraries simply see a few more calls.
"""
from __future__ import annotations

import numpy as np

BLAS_SERIAL_WORK = 4 * 65536
SPLIT_MAX_WORK = 1 << 25
MIN_BLOCK_ROWS = 8
MIN_BLOCK_DEPTH = 256


def serial_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """np.matmul(a, b, out=out), in row blocks that BLAS runs on the calling thread when
    the product is small (see the module docstring). a and b are matrices or stacks of them.

    >>> import numpy as np
    >>> a, b = np.ones((600, 30)), np.ones((30, 20))
    >>> bool((serial_matmul(a, b) == a @ b).all())
    True
    """
    if a.ndim < 2 or b.ndim < 2:
        return np.matmul(a, b, out=out)
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    work = m * k * n  # per matrix of a stack: BLAS sees one at a time
    rows = BLAS_SERIAL_WORK // max(1, k * n)
    depth = BLAS_SERIAL_WORK // max(1, m * n)
    if work <= BLAS_SERIAL_WORK or work > SPLIT_MAX_WORK or (
            rows < MIN_BLOCK_ROWS and depth < MIN_BLOCK_DEPTH):
        return np.matmul(a, b, out=out)
    if out is None:
        shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (m, n)
        out = np.empty(shape, np.result_type(a, b))
    if rows >= MIN_BLOCK_ROWS:
        for lo in range(0, m, rows):
            np.matmul(a[..., lo:lo + rows, :], b, out=out[..., lo:lo + rows, :])
        return out
    # Few rows and a long contraction (a convolution's weight gradient): blocks of the
    # contraction, summed; the small (m, n) result makes the sums cheap.
    np.matmul(a[..., :depth], b[..., :depth, :], out=out)
    part = np.empty_like(out)
    for lo in range(depth, k, depth):
        np.matmul(a[..., lo:lo + depth], b[..., lo:lo + depth, :], out=part)
        out += part
    return out
