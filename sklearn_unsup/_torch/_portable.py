"""A fitted skorch net as plain data: NumPy arrays, dicts, lists, classes and functions.

Pickling a skorch net pickles torch objects, and skorch's own ``__getstate__``
hides them as *bytes of a nested pickle*: a format that can run code when it
is loaded. The estimators here store their nets in the form below instead (in
pickles and in ``skops.io`` files alike), so that a model file holds weights as
arrays and ``skops.io.load`` can check every type it would build:

- the net's class and its ``get_params(deep=False)`` (module and criterion
  classes with their keyword arguments, optimizer class, callbacks, ...);
- the module's, criterion's and optimizer's ``state_dict`` with every tensor
  as a NumPy array;
- the plain attributes of the module's layers and of the criterion, which
  training may set (the selected head, targets, phase), the callbacks' state
  and the training history.

Loading rebuilds the net (``initialize()`` in a forked torch RNG, so the
caller's random stream is untouched) and loads those states back: weights,
optimizer moments and callback state, so that ``partial_fit`` continues as it
would have on the original.
"""

import copy

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.history import History

_TENSOR = "__torch_tensor__"
_SPARSE = "__torch_sparse_coo__"
_NET = "__skorch_net__"


def to_plain(obj):
    """Tensors (also inside dicts, lists, tuples and skorch callbacks) → ``{_TENSOR: ndarray}``."""
    if isinstance(obj, torch.Tensor):
        if obj.layout == torch.sparse_coo:
            obj = obj.detach().coalesce().cpu()
            return {_SPARSE: [obj.indices().numpy().copy(), obj.values().numpy().copy(), list(obj.shape)]}
        return {_TENSOR: obj.detach().cpu().numpy().copy()}
    if isinstance(obj, dict):
        return {key: to_plain(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_plain(value) for value in obj)
    if isinstance(obj, Callback):
        plain = copy.copy(obj)
        plain.__dict__ = to_plain(vars(obj))
        return plain
    return obj


def from_plain(obj, device="cpu"):
    """Inverse of :func:`to_plain`."""
    if isinstance(obj, dict):
        if set(obj) == {_TENSOR}:
            return torch.from_numpy(np.array(obj[_TENSOR])).to(device)
        if set(obj) == {_SPARSE}:
            indices, values, shape = obj[_SPARSE]
            # invariants checked: indices out of range in a tampered file must fail here, not corrupt memory later
            return torch.sparse_coo_tensor(torch.from_numpy(np.array(indices)), torch.from_numpy(np.array(values)),
                                           tuple(shape), check_invariants=True).coalesce().to(device)
        return {key: from_plain(value, device) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(from_plain(value, device) for value in obj)
    if isinstance(obj, Callback):
        obj.__dict__ = from_plain(vars(obj), device)
        return obj
    return obj


def _public_state(obj, exclude):
    """``obj``'s public attributes but ``exclude``, modules and callables, tensors as arrays."""
    return {
        key: to_plain(value)
        for key, value in vars(obj).items()
        if not key.startswith("_") and key not in exclude and not callable(value)
        and not isinstance(value, torch.nn.Module)
    }


def is_plain_net(obj):
    return isinstance(obj, dict) and _NET in obj


def net_to_plain(net):
    """The fitted skorch ``net`` as plain data (see the module docstring)."""
    params = net.get_params(deep=False)
    criterion_kwargs = {key.split("__", 1)[1] for key in params if key.startswith("criterion__")}
    return {
        _NET: type(net),
        "params": to_plain(params),
        "module_state": to_plain(dict(net.module_.state_dict())),
        "module_attributes": {name: _public_state(m, exclude={"training"}) for name, m in net.module_.named_modules()},
        "criterion_state": to_plain(dict(net.criterion_.state_dict())),
        "criterion_attributes": _public_state(net.criterion_, exclude=criterion_kwargs | {"training"}),
        "optimizer_state": to_plain(net.optimizer_.state_dict()),
        "callback_states": {name: _public_state(cb, exclude=()) for name, cb in net.callbacks_},
        "history": [dict(row) for row in net.history_],
    }


def net_from_plain(state, device):
    """Rebuild the net stored by :func:`net_to_plain` on ``device``."""
    from ._device import torch_rng

    params = from_plain(dict(state["params"]), device)
    params["device"] = device
    net = state[_NET](**params)
    with torch_rng(device, 0):
        net.initialize()
    net.module_.load_state_dict(from_plain(state["module_state"], device))
    modules = dict(net.module_.named_modules())
    for name, attributes in state["module_attributes"].items():
        for key, value in from_plain(attributes, device).items():
            setattr(modules[name], key, value)
    net.criterion_.load_state_dict(from_plain(state["criterion_state"], device))
    for key, value in from_plain(state["criterion_attributes"], device).items():
        setattr(net.criterion_, key, value)
    net.optimizer_.load_state_dict(_int_keys(from_plain(state["optimizer_state"], device)))
    saved = state["callback_states"]
    for name, cb in net.callbacks_:
        if name in saved:
            vars(cb).update(from_plain(saved[name], device))
    net.history_ = History(state["history"])
    return net


def _int_keys(optimizer_state):
    """Optimizer states are keyed by parameter index; a text format may have turned the keys into strings."""
    optimizer_state = dict(optimizer_state)
    optimizer_state["state"] = {int(key): value for key, value in optimizer_state["state"].items()}
    return optimizer_state


def estimator_state_to_plain(state):
    """An estimator's ``__dict__``: its skorch nets and tensors as plain data."""
    return {
        key: net_to_plain(value) if isinstance(value, NeuralNet)
        else to_plain(value) if isinstance(value, torch.Tensor) else value
        for key, value in state.items()
    }


def estimator_state_from_plain(state, device):
    return {
        key: net_from_plain(value, device) if is_plain_net(value)
        else from_plain(value, device) if isinstance(value, dict) and set(value) in ({_TENSOR}, {_SPARSE}) else value
        for key, value in state.items()
    }
