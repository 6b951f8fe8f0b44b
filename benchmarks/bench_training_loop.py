"""Epoch time of AutoEncoder.fit (skorch, whole-tensor batches) vs a hand-written torch loop.

Same module (784-500-500-2000-10 MLP autoencoder), same optimizer (Adam,
lr 1e-3), batch size 256, MSE loss, a fresh shuffle each epoch, 10,000 rows
(mnist5k / 255 twice over). Both sides are timed in the same run, alternating,
and the ratio of median per-epoch times is printed. Also shown: skorch's own
default data path (row-wise Dataset + DataLoader) on the same net, which is
what the batch iterator replaces.

    python benchmarks/bench_training_loop.py [--epochs 3] [--repeats 3]
"""

import argparse
import time

import numpy as np
import torch
from _common import load_shared, machine_line, print_table

from sklearn_unsup._nn import MLPAutoEncoder, ReconstructionLoss, UnsupervisedNet
from sklearn_unsup.decomposition import AutoEncoder

HIDDEN = (500, 500, 2000)
N_COMPONENTS = 10
BATCH = 256
LR = 1e-3


def data():
    try:
        X, _ = load_shared("cluster/mnist5k.npz")
        X = np.vstack([X, X]).astype(np.float32) / 255.0
    except FileNotFoundError:
        X = np.random.RandomState(0).rand(10_000, 784).astype(np.float32)
    return X


def hand_loop(X, epochs, seed=0):
    torch.manual_seed(seed)
    module = MLPAutoEncoder(X.shape[1], N_COMPONENTS, HIDDEN)
    opt = torch.optim.Adam(module.parameters(), lr=LR)
    Xt = torch.from_numpy(X)
    gen = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    module.train()
    for _ in range(epochs):
        order = torch.randperm(len(Xt), generator=gen)
        total = 0.0
        for i in range(0, len(Xt), BATCH):
            xb = Xt[order[i : i + BATCH]]
            opt.zero_grad()
            rec, _ = module(xb)
            loss = torch.nn.functional.mse_loss(rec, xb)
            loss.backward()
            opt.step()
            total += loss.item()
    return (time.perf_counter() - start) / epochs


def ours(X, epochs, seed=0):
    ae = AutoEncoder(N_COMPONENTS, hidden_dims=HIDDEN, max_epochs=epochs, batch_size=BATCH, lr=LR,
                     random_state=seed, device="cpu")
    start = time.perf_counter()
    ae.fit(X)
    return (time.perf_counter() - start) / epochs


def skorch_default_path(X, epochs, seed=0):
    """skorch's default Dataset/DataLoader (row-wise indexing + collate)."""
    from skorch.dataset import Dataset
    from torch.utils.data import DataLoader

    torch.manual_seed(seed)
    net = UnsupervisedNet(
        MLPAutoEncoder, module__n_features=X.shape[1], module__n_components=N_COMPONENTS,
        module__hidden_dims=HIDDEN, criterion=ReconstructionLoss, optimizer=torch.optim.Adam,
        lr=LR, max_epochs=epochs, batch_size=BATCH, train_split=None, verbose=0,
        dataset=Dataset, iterator_train=DataLoader, iterator_train__shuffle=True,
    )
    start = time.perf_counter()
    net.fit(X, None)
    return (time.perf_counter() - start) / epochs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-default-path", action="store_true")
    args = parser.parse_args()
    X = data()
    print(f"# Training-loop overhead: {X.shape[0]} x {X.shape[1]}, MLP 784-500-500-2000-10, "
          f"batch {BATCH}, Adam; {machine_line()}")
    ours(X[:512], 1)  # warm-up (imports, allocator)
    hand_loop(X[:512], 1)
    t_hand, t_ours, t_default = [], [], []
    for r in range(args.repeats):
        t_hand.append(hand_loop(X, args.epochs, seed=r))
        t_ours.append(ours(X, args.epochs, seed=r))
        if not args.skip_default_path and r == 0:
            t_default.append(skorch_default_path(X, args.epochs, seed=r))
    hand, mine = float(np.median(t_hand)), float(np.median(t_ours))
    def row(name, t):
        return {"loop": name, "s/epoch": t, "ratio vs hand": t / hand}

    rows = [row("hand-written torch loop", hand), row("AutoEncoder.fit (skorch + batch iterator)", mine)]
    if t_default:
        rows.append(row("skorch default Dataset+DataLoader", float(np.median(t_default))))
    print_table(rows, ["loop", "s/epoch", "ratio vs hand"])
    print(f"\nratio AutoEncoder.fit / hand loop = {mine / hand:.3f} (target <= 1.10); "
          f"epochs per run {args.epochs}, runs {args.repeats}, medians")


if __name__ == "__main__":
    main()
