"""NumPy layers in the CS231n style: ``forward(...) -> (out, cache)``, ``backward(dout, cache) -> grads``.

Every backward pass here has a float64 numerical gradient check in ``tests/``.
"""

from course_lib.functional.core import logsumexp, one_hot, softmax

__all__ = ["logsumexp", "one_hot", "softmax"]
