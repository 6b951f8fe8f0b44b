"""Batch-level data path for skorch nets.

skorch's default path (``skorch.dataset.Dataset`` + ``DataLoader``) indexes one
row at a time and collates the rows into a batch. For tables held in memory that
costs more than the network itself on small models; here a whole batch is one
tensor slice.
"""

import numpy as np
import torch

__all__ = [
    "ClusterBatchIterator",
    "NeighborPairIterator",
    "TensorBatchIterator",
    "TensorDataset",
    "TensorValidSplit",
    "as_float32_tensor",
]


def as_float32_tensor(X):
    """Return ``X`` as a C-contiguous, writable float32 CPU tensor.

    Shares memory with ``X`` when it already is such an array (no copy).
    """
    if isinstance(X, torch.Tensor):
        return X.detach().to(dtype=torch.float32, device="cpu").contiguous()
    X = np.require(X, dtype=np.float32, requirements=["C", "W"])
    return torch.from_numpy(X)


class TensorDataset(torch.utils.data.Dataset):
    """A dataset that is one float32 tensor (and an optional target tensor).

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, ...)
        The rows.
    y : torch.Tensor of shape (n_samples, ...), default=None
        Optional per-row target (pseudo-labels, neighbour indices, ...).
    """

    def __init__(self, X, y=None):
        self.X = X
        self.y = y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], (None if self.y is None else self.y[i])


class TensorBatchIterator:
    """Iterate over a :class:`TensorDataset` in whole-tensor batches.

    Used as skorch's ``iterator_train`` and ``iterator_valid``. Each epoch
    (each call to ``iter``) draws a new permutation from a private
    :class:`torch.Generator` seeded once from ``seed``, so shuffling is
    reproducible and never touches torch's global random state.

    Parameters
    ----------
    dataset : TensorDataset
        The data.
    batch_size : int
        Rows per batch.
    shuffle : bool, default=False
        Draw a new order of the rows every epoch.
    seed : int, default=0
        Seed of the shuffling generator.
    drop_last : bool, default=False
        Drop the last incomplete batch (useful for losses that need a
        minimum batch size, e.g. batch statistics).
    """

    def __init__(self, dataset, batch_size, shuffle=False, seed=0, drop_last=False):
        if not isinstance(dataset, TensorDataset):
            raise TypeError(
                "TensorBatchIterator needs a TensorDataset, got "
                f"{type(dataset).__name__}."
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.seed = int(seed)
        self.generator = torch.Generator().manual_seed(self.seed)

    def reseed(self, epoch):
        """Seed the generator for ``epoch`` (called by :class:`UnsupervisedNet` each epoch)."""
        self.generator.manual_seed((self.seed + 1_000_003 * int(epoch)) % (2**63 - 1))

    def __len__(self):
        n = len(self.dataset)
        if self.drop_last and n >= self.batch_size:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def __iter__(self):
        X, y = self.dataset.X, self.dataset.y
        n = len(X)
        bs = self.batch_size
        stop = n - n % bs if (self.drop_last and n >= bs) else n
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator)
            for start in range(0, stop, bs):
                idx = order[start : start + bs]
                yield X[idx], (None if y is None else y[idx])
        else:
            for start in range(0, stop, bs):
                sl = slice(start, start + bs)
                yield X[sl], (None if y is None else y[sl])


class TensorValidSplit:
    """skorch ``train_split`` holding out a random fraction of a :class:`TensorDataset`.

    Parameters
    ----------
    fraction : float in (0, 1)
        Share of rows kept for validation (at least one row, and at least one
        row left for training).
    seed : int
        Seed of the split (a private NumPy generator).
    """

    def __init__(self, fraction, seed=0):
        self.fraction = fraction
        self.seed = seed

    def __call__(self, dataset, y=None, **fit_params):
        n = len(dataset)
        n_valid = min(max(1, int(round(self.fraction * n))), n - 1)
        order = np.random.RandomState(self.seed).permutation(n)
        valid, train = torch.from_numpy(order[:n_valid]), torch.from_numpy(order[n_valid:])

        def take(idx):
            return TensorDataset(dataset.X[idx], None if dataset.y is None else dataset.y[idx])

        return take(train), take(valid)


class NeighborPairIterator(TensorBatchIterator):
    """Batches of (row, one of its neighbours) pairs, for TLDR-style training.

    ``dataset.y`` holds the neighbour indices, shape (n_samples, k). Every
    epoch each row is paired with one neighbour drawn uniformly from its k,
    with the iterator's private generator. Yields ``((x, x_neighbor), None)``;
    skorch passes the tuple to the module.
    """

    def __iter__(self):
        X, nbrs = self.dataset.X, self.dataset.y
        n = len(X)
        bs = self.batch_size
        stop = n - n % bs if (self.drop_last and n >= bs) else n
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        pick = torch.randint(nbrs.shape[1], (n,), generator=self.generator)
        partner = nbrs[torch.arange(n), pick]
        for start in range(0, stop, bs):
            idx = order[start : start + bs]
            yield (X[idx], X[partner[idx]]), None


class ClusterBatchIterator(TensorBatchIterator):
    """Batches of ``((x, x_partner), row_indices)`` for the deep clusterers.

    ``dataset.y`` holds neighbour indices of shape (n_samples, k) or is None.
    With neighbours, each row's partner is one of its k neighbours drawn
    uniformly every epoch (SCAN); without, the partner is the row itself
    (two augmentations of one row). If the dataset has a ``sample_weights``
    tensor (set by a callback, e.g. DeepCluster's uniform sampling over
    pseudo-classes), the epoch's rows are drawn with replacement with those
    weights instead of a permutation.
    """

    def __iter__(self):
        X, nbrs = self.dataset.X, self.dataset.y
        n = len(X)
        bs = self.batch_size
        stop = n - n % bs if (self.drop_last and n >= bs) else n
        weights = getattr(self.dataset, "sample_weights", None)
        if weights is not None:
            order = torch.multinomial(weights, n, replacement=True, generator=self.generator)
        elif self.shuffle:
            order = torch.randperm(n, generator=self.generator)
        else:
            order = torch.arange(n)
        if nbrs is not None:
            pick = torch.randint(nbrs.shape[1], (n,), generator=self.generator)
            partner = nbrs[torch.arange(n), pick]
        for start in range(0, stop, bs):
            idx = order[start : start + bs]
            xa = X[idx]
            xb = xa if nbrs is None else X[partner[idx]]
            yield (xa, xb), idx
