"""The book and its tests run numpy and OpenBLAS with their AVX2 kernels (see the Makefile).

Near the edge of stability the kernels' rounding decides which seeds fail, so the
printed numbers hold only with the kernels the book was built with.
"""

import platform

import numpy as np
import pytest
from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
from threadpoolctl import threadpool_info

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64", reason="the kernels are x86-64's")


def test_openblas_uses_the_haswell_kernels():
    np.ones((2, 2)) @ np.ones((2, 2))
    architectures = {info.get("architecture") for info in threadpool_info()
                     if info["internal_api"] == "openblas"}
    assert architectures == {"Haswell"}, architectures


def test_numpy_dispatches_no_avx512_kernel():
    # The targets numpy compiled kernels for, enabled on this processor: X86_V4 is AVX-512.
    dispatched = [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]
    assert not [name for name in dispatched if name == "X86_V4" or "AVX512" in name], dispatched
