"""How many torch threads a fit or an inference uses (the ``torch_threads`` setting).

torch runs one intra-op thread per core by default. The networks that tables
and embeddings get are small (an MLP a few hundred units wide, batches of
64-1,024 rows): each operation is too short for a second thread to pay for
waking it, and OpenMP workers spin-wait at every one, so when another process
uses the cores the fit slows many-fold (measured in
``benchmarks/bench_threads.py``). The policy below gives such networks one
thread; torch's setting stays for larger work. It is applied only around this
package's own training and inference and restored afterwards.
"""

from contextlib import contextmanager

import torch

from .._config import get_config

__all__ = ["AUTO_SINGLE_THREAD_WORK", "threads_for", "torch_threads"]

#: Multiply-adds of one training step (parameters x rows per batch, a forward
#: pass's count for an MLP) at or below which ``torch_threads="auto"`` uses one
#: thread. Chosen from ``benchmarks/bench_threads.py``: see
#: ``benchmarks/results/threads.md``.
AUTO_SINGLE_THREAD_WORK = 200_000_000


def _n_parameters(module):
    return sum(p.numel() for p in module.parameters())


def threads_for(module, batch_size, device):
    """The thread count to use around ``module``'s training or inference, or None to leave torch's.

    Parameters
    ----------
    module : torch.nn.Module
        The network.
    batch_size : int
        Rows per step.
    device : torch.device or str
        Only CPU work is changed.

    Returns
    -------
    n_threads : int or None
    """
    if torch.device(device).type != "cpu":
        return None
    setting = get_config()["torch_threads"]
    if setting == "torch":
        return None
    if setting != "auto":
        return int(setting)
    if _n_parameters(module) * int(batch_size) <= AUTO_SINGLE_THREAD_WORK:
        return 1
    return None


@contextmanager
def torch_threads(n_threads):
    """Run the block with ``torch.set_num_threads(n_threads)``, then restore torch's count.

    ``None`` changes nothing. torch's thread count is process-wide: two
    Python threads fitting at once see each other's setting while both run.
    """
    before = torch.get_num_threads()
    if n_threads is None or int(n_threads) == before:
        yield
        return
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)
