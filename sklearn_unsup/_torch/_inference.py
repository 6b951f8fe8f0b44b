"""Batched, batch-independent inference with a torch module."""

import copy

import torch
from torch import nn

from .._nn import as_float32_tensor

__all__ = ["INFERENCE_BATCH_ROWS", "forward_in_batches", "has_batch_norm"]

#: Rows per inference chunk (at least; the estimator's ``batch_size`` when larger).
INFERENCE_BATCH_ROWS = 1024


def has_batch_norm(module):
    """Whether ``module`` holds a BatchNorm layer (which needs two rows per training batch)."""
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules())


def forward_in_batches(module, X, fn, *, device, batch_size=INFERENCE_BATCH_ROWS, numpy=True, row_exact=True):
    """Apply ``fn(module, x_batch) -> tensor`` in eval mode, without gradient, over row chunks.

    Each row's output depends on that row only: eval mode (no batch statistics)
    and every chunk zero-padded to ``batch_size`` rows, so the BLAS kernels see
    the same shapes whatever the number of rows in the call (float32 GEMM results
    can otherwise change in the last bits with the matrix shape). On the CPU a
    float64 copy of the module does the arithmetic: MKL's small-matrix kernels
    (a few input features, AVX-512) round a float32 row's result differently
    with the row's position in the chunk, so a row read alone or in another
    order could differ in the last bit; in float64 that difference is far
    below float32's rounding. It costs 2-3x the float32 pass, so passes inside
    training (pseudo-labels, validation scores) set ``row_exact=False``. A
    module that cannot run in float64 sets ``float32_inference = True``. The module's training mode is restored, also
    on an exception. Returns a float32 NumPy array, or a CPU tensor with
    ``numpy=False``.
    """
    was_training = module.training
    module.eval()
    Xt = as_float32_tensor(X)
    runner = module
    if row_exact and torch.device(device).type == "cpu" and not getattr(module, "float32_inference", False):
        runner = copy.deepcopy(module).double()
        Xt = Xt.double()
    bs = int(batch_size)
    outputs = []
    try:
        with torch.no_grad():
            for start in range(0, len(Xt), bs):
                xb = Xt[start : start + bs]
                n = len(xb)
                if n < bs:
                    xb = torch.cat([xb, xb.new_zeros((bs - n,) + tuple(xb.shape[1:]))])
                out = fn(runner, xb.to(device)).detach().to("cpu")[:n]
                outputs.append(out.float() if out.is_floating_point() else out)
    finally:
        module.train(was_training)
    out = torch.cat(outputs)
    return out.numpy() if numpy else out
