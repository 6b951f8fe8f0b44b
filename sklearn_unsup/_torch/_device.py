"""Devices, optimizers, the accelerate path and a forked torch RNG for the torch estimators."""

from contextlib import contextmanager

import torch

__all__ = [
    "OPTIMIZERS",
    "accelerated_net_class",
    "make_accelerator",
    "optimizer_and_kwargs",
    "resolve_device",
    "strip_accelerator",
    "torch_rng",
]

OPTIMIZERS = {
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "sgd": (torch.optim.SGD, {"momentum": 0.9}),
    "rmsprop": (torch.optim.RMSprop, {}),
}


def optimizer_and_kwargs(optimizer, weight_decay):
    """The optimizer class and its keyword arguments for a name or a ``torch.optim.Optimizer`` subclass."""
    if isinstance(optimizer, str):
        cls, kwargs = OPTIMIZERS[optimizer]
        kwargs = dict(kwargs)
    else:
        if not (isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer)):
            raise TypeError(
                f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch.optim.Optimizer subclass, "
                f"got {optimizer!r}."
            )
        cls, kwargs = optimizer, {}
    kwargs["weight_decay"] = float(weight_decay)
    return cls, kwargs


def resolve_device(device):
    """``"auto"`` → CUDA when available, else CPU; any other value checked against this machine."""
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a valid torch device; use 'auto', 'cpu' or 'cuda'.") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this machine; "
            "use device='auto' or 'cpu'."
        )
    return str(resolved)


def make_accelerator():
    """An ``accelerate.Accelerator`` configured by the environment; skorch places the tensors."""
    try:
        from accelerate import Accelerator
    except ImportError as exc:  # pragma: no cover - accelerate is in the 'scale' extra
        raise ImportError(
            "device='accelerate' needs the accelerate package: pip install 'sklearn_unsup[scale]'."
        ) from exc
    # device_placement=False: skorch moves the module and every batch to
    # net.device (our batch iterator is not a DataLoader accelerate could wrap)
    return Accelerator(device_placement=False)


_ACCELERATED_NET_CLASSES = {}


def accelerated_net_class(net_class):
    """``net_class`` with skorch's ``AccelerateMixin`` in front (one class per net class)."""
    if net_class not in _ACCELERATED_NET_CLASSES:
        from skorch.hf import AccelerateMixin

        _ACCELERATED_NET_CLASSES[net_class] = type(
            f"Accelerated{net_class.__name__}", (AccelerateMixin, net_class), {}
        )
    return _ACCELERATED_NET_CLASSES[net_class]


def strip_accelerator(net, plain_net_class):
    """After training: unwrap the modules and turn the net back into a plain, picklable one."""
    net._unwrap_accelerator()
    net.accelerator.free_memory()
    for name in ("accelerator", "unwrap_after_train", "_wrapped_with_accelerator"):
        net.__dict__.pop(name, None)
    net.__class__ = plain_net_class
    return net


@contextmanager
def torch_rng(device, seed):
    """Fork torch's RNG, seed the fork, restore the caller's state on exit (no global seeding).

    On CUDA the block also runs with cuDNN's deterministic algorithms (no
    autotuning), restored afterwards, so convolutions train the same way for
    the same seed on the same GPU; atomic scatter/index backward passes stay
    non-deterministic, so a CUDA fit is reproducible to float tolerance, not
    bit for bit. The cuDNN flags are process-wide: two CUDA fits in parallel
    threads see each other's setting.
    """
    device = torch.device(device)
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        if device.type != "cuda":
            yield
            return
        before = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
        try:
            yield
        finally:
            torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = before
