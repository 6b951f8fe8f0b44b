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


def _float64_copy(module):
    """A float64 copy of ``module`` in eval mode, without the training gradients."""
    grads = [p.grad for p in module.parameters()]
    for p in module.parameters():
        p.grad = None
    try:
        copy_ = copy.deepcopy(module)
    finally:
        for p, g in zip(module.parameters(), grads):
            p.grad = g
    return copy_.double().eval()


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
    below float32's rounding (a result rounded back to float32 can still fall
    on the other side of a float32 tie, rarely). The copy costs 2-3x the
    float32 pass, so passes inside training (pseudo-labels, validation
    scores) set ``row_exact=False``. A module that cannot run in float64 sets
    ``float32_inference = True``. The module's training mode is restored,
    also on an exception. Returns a float32 NumPy array, or a CPU tensor with
    ``numpy=False``.
    """
    was_training = module.training
    Xt = as_float32_tensor(X)
    bs = int(batch_size)
    outputs = []
    try:
        module.eval()
        runner, dtype = module, torch.float32
        if row_exact and torch.device(device).type == "cpu" and not getattr(module, "float32_inference", False):
            runner, dtype = _float64_copy(module), torch.float64
        with torch.no_grad():
            for start in range(0, len(Xt), bs):
                xb = Xt[start : start + bs]
                n = len(xb)
                if n < bs:
                    xb = torch.cat([xb, xb.new_zeros((bs - n,) + tuple(xb.shape[1:]))])
                out = fn(runner, xb.to(device=device, dtype=dtype)).detach().to("cpu")[:n]
                outputs.append(out.float() if out.is_floating_point() else out)
    finally:
        module.train(was_training)
    out = torch.cat(outputs)
    return out.numpy() if numpy else out
