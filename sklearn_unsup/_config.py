"""Package-wide runtime settings: how many torch threads each fit uses.

Torch-free on purpose (``import sklearn_unsup`` does not load torch). The
settings live per Python thread, as scikit-learn's own ``config_context``
does, so that two threads fitting at once do not see each other's choice.
"""

import threading
from contextlib import contextmanager
from numbers import Integral

__all__ = ["config_context", "get_config", "set_config"]

_DEFAULTS = {"torch_threads": "auto"}
_local = threading.local()


def _settings():
    if not hasattr(_local, "settings"):
        _local.settings = dict(_DEFAULTS)
    return _local.settings


def _check_torch_threads(value):
    if value in ("auto", "torch"):
        return value
    if isinstance(value, Integral) and not isinstance(value, bool) and value >= 1:
        return int(value)
    raise ValueError(
        f"torch_threads must be 'auto', 'torch' or a positive int, got {value!r}."
    )


def get_config():
    """The current values of the package's runtime settings.

    Returns
    -------
    config : dict
        ``{"torch_threads": ...}``; see :func:`set_config`. A copy: changing
        it changes nothing.

    See Also
    --------
    config_context : Change a setting for a block of code.
    set_config : Change a setting for the rest of this Python thread.

    Examples
    --------
    >>> from sklearn_unsup import get_config
    >>> get_config()["torch_threads"]
    'auto'
    """
    return dict(_settings())


def set_config(torch_threads=None):
    """Change the package's runtime settings for the rest of this Python thread.

    Parameters
    ----------
    torch_threads : {"auto", "torch"} or int, default=None
        Intra-op threads torch uses while an estimator of this package trains
        or infers on the CPU; torch's own setting is restored when the call
        returns, so no other code sees a change.

        - ``"auto"`` (the initial value): one thread for the small networks
          that tables and embeddings get (narrow MLPs on batches of tens to a
          few thousand rows), where a second thread brings nothing on a quiet
          machine and slows training many-fold as soon as another process uses
          the cores (a second notebook, ``GridSearchCV(n_jobs=...)``, Dask
          workers); torch's own setting for larger networks. The choice
          depends on the network's size and the batch size only, never on the
          machine's load, so a ``random_state`` still gives one result.
        - ``"torch"``: whatever ``torch.get_num_threads()`` says (by default
          one thread per core).
        - an int: that many threads for every fit and inference.

        ``None`` leaves the setting unchanged.

    See Also
    --------
    config_context : Change a setting for a block of code.
    get_config : The current settings.

    Examples
    --------
    >>> from sklearn_unsup import get_config, set_config
    >>> set_config(torch_threads=2)
    >>> get_config()["torch_threads"]
    2
    >>> set_config(torch_threads="auto")
    """
    if torch_threads is not None:
        _settings()["torch_threads"] = _check_torch_threads(torch_threads)


@contextmanager
def config_context(*, torch_threads=None):
    """Change the package's runtime settings inside a ``with`` block.

    Parameters
    ----------
    torch_threads : {"auto", "torch"} or int, default=None
        See :func:`set_config`. ``None`` keeps the current value.

    Yields
    ------
    None

    See Also
    --------
    get_config : The current settings.
    set_config : Change a setting for the rest of this Python thread.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_unsup import config_context
    >>> from sklearn_unsup.decomposition import AutoEncoder
    >>> X = np.random.RandomState(0).rand(64, 8)
    >>> with config_context(torch_threads=1):
    ...     ae = AutoEncoder(n_components=2, max_epochs=2, random_state=0).fit(X)
    """
    old = get_config()
    set_config(torch_threads=torch_threads)
    try:
        yield
    finally:
        _settings().update(old)
