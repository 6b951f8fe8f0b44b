"""Secure persistence with ``skops.io``: the types a model file of this package may hold.

A pickle runs whatever code its file names. ``skops.io`` files instead list
the types they build, and :func:`skops.io.load` refuses any type the caller
did not trust. The torch estimators store their networks as arrays and plain
data (classes, keyword arguments, optimizer state; no nested torch pickle),
so a file holds only the types below, and a file naming anything else — a
tampered one — is refused.
"""

from importlib import import_module

__all__ = ["dump_skops", "load_skops", "skops_trusted_types"]

# Beyond the public estimators (added by skops_trusted_types): the internal types a fitted
# model's state holds. Each is a class or a function of this package, skorch, torch or the
# standard library that is only referenced by name (loading builds it from plain data).
_INTERNAL_TYPES = (
    # torch modules and losses (rebuilt from their keyword arguments; weights are arrays)
    "sklearn_unsup._nn._autoencoder.MLPAutoEncoder",
    "sklearn_unsup._nn._autoencoder.ShiftAugmentedAutoEncoder",
    "sklearn_unsup._nn._losses.DenoisingReconstructionLoss",
    "sklearn_unsup.outlier._autoencoder._ShiftAugmentedAutoEncoder",
    "sklearn_unsup._nn._clam.AssociativeMemory",
    "sklearn_unsup._nn._clam.KeepBestPrototypes",
    "sklearn_unsup._nn._clam.MaskedReconstructionLoss",
    "sklearn_unsup._nn._clustering.ClusteringNet",
    "sklearn_unsup._nn._clustering.DECLoss",
    "sklearn_unsup._nn._clustering.DECNet",
    "sklearn_unsup._nn._clustering.PrototypeNet",
    "sklearn_unsup._nn._clustering.PseudoLabelLoss",
    "sklearn_unsup._nn._clustering.SCANLoss",
    "sklearn_unsup._nn._clustering.SwAVLoss",
    "sklearn_unsup._nn._coupled_mixture_vae.CoupledMixtureLoss",
    "sklearn_unsup._nn._coupled_mixture_vae.CoupledMixtureVAENet",
    "sklearn_unsup._nn._coupled_mixture_vae.MixtureArm",
    "sklearn_unsup._nn._deep_lds.EmbeddingClassifierNet",
    "sklearn_unsup._nn._deep_lds.WeightedCrossEntropyLoss",
    "sklearn_unsup._nn._deep_svdd.DeepSVDDNet",
    "sklearn_unsup._nn._deep_svdd.MeanLoss",
    "sklearn_unsup._nn._flows.FlowNLLLoss",
    "sklearn_unsup._nn._gcn.GCNEncoder",
    "sklearn_unsup._nn._hvae.HierarchicalVAELoss",
    "sklearn_unsup._nn._hvae.MLPHierarchicalVAE",
    "sklearn_unsup._nn._gcn.GraphAutoEncoderLoss",
    "sklearn_unsup._nn._grace.GraceLoss",
    "sklearn_unsup._nn._grace.GraceNet",
    "sklearn_unsup._nn._icl.ICLNet",
    "sklearn_unsup._nn._jule.MLPEncoder",
    "sklearn_unsup._nn._jule.WeightedTripletLoss",
    "sklearn_unsup._nn._neutral.NeuTraLNet",
    "sklearn_unsup._nn._instance.MoCoLoss",
    "sklearn_unsup._nn._instance.MomentumTwin",
    "sklearn_unsup._nn._instance.NPIDLoss",
    "sklearn_unsup._nn._instance.SingleViewTwin",
    "sklearn_unsup._nn._flows.RealNVPFlow",
    "sklearn_unsup._nn._losses.JointVAELoss",
    "sklearn_unsup._nn._losses.ReconstructionLoss",
    "sklearn_unsup._nn._losses.VAELoss",
    "sklearn_unsup._nn._score_net.NoiseConditionalScoreNet",
    "sklearn_unsup._nn._pbn.PBNLoss",
    "sklearn_unsup._nn._rate_reduction.RateReductionLoss",
    "sklearn_unsup._nn._rate_reduction.RateReductionNet",
    "sklearn_unsup._nn._pbn.PBNNet",
    "sklearn_unsup._nn._sdc.HashHead",
    "sklearn_unsup._nn._sdc.SDCLoss",
    "sklearn_unsup._nn._simtpr.PredictiveDecorrelationLoss",
    "sklearn_unsup._nn._simtpr.PredictiveDecorrelationNet",
    "sklearn_unsup._nn._cpc.CPCNet",
    "sklearn_unsup._nn._cpc.InfoNCELoss",
    "sklearn_unsup._nn._tst.MaskedMSELoss",
    "sklearn_unsup._nn._tst.TSTNet",
    "sklearn_unsup._nn._twins.AugmentedTwin",
    "sklearn_unsup._nn._twins.BarlowTwinsLoss",
    "sklearn_unsup._nn._twins.TwinEncoder",
    "sklearn_unsup._nn._twins.TwinLoss",
    "sklearn_unsup._nn._vae.MLPJointVAE",
    "sklearn_unsup._nn._vae.MLPVAE",
    "sklearn_unsup._nn._volume_preserving.InvariantLoss",
    "sklearn_unsup._nn._volume_preserving.InvariantNet",
    # the skorch net class, its data plumbing and the training hooks
    "sklearn_unsup._nn._net.UnsupervisedNet",
    "sklearn_unsup._nn._data.ClusterBatchIterator",
    "sklearn_unsup._nn._data.NeighborPairIterator",
    "sklearn_unsup._nn._data.TensorBatchIterator",
    "sklearn_unsup._nn._data.TensorDataset",
    "sklearn_unsup._nn._data.TensorValidSplit",
    "sklearn_unsup._nn._gcn.GraphBatchIterator",
    "sklearn_unsup._nn._grace.GraphViewIterator",
    "sklearn_unsup._nn._tst.GeometricMaskIterator",
    "sklearn_unsup.cluster._dec._TargetUpdate",
    "sklearn_unsup.cluster._deep_base.EpochHook",
    "sklearn_unsup.cluster._deep_cluster._deep_cluster_epoch",
    "sklearn_unsup.cluster._rate_reduction._warmup_epoch",
    "sklearn_unsup.cluster._scan._scan_epoch",
    "sklearn_unsup.cluster._sela._sela_epoch",
    "sklearn_unsup.cluster._swav._PrototypeSchedule",
    "sklearn_unsup.cluster._swav.batch_codes",
    "sklearn_unsup.density._realnvp._TrimmedValidationLoss",
    "skorch.callbacks.regularization.GradientNormClipping",
    "skorch.callbacks.training.EarlyStopping",
    "torch.optim.adam.Adam",
    "torch.optim.adamw.AdamW",
    "torch.optim.sgd.SGD",
    # EarlyStopping's default log sink; the sinkhorn settings of SwAV's loss
    "builtins.print",
    "functools.partial",
    # scikit-learn's fitted trees: the isolation forest and LOF's neighbor search among
    # EnsembleOutlierDetector's default members, an IsolationForest in RejectionOutlierDetector
    "sklearn.tree._tree.Tree",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    # the Adam state of scikit-learn's MLPClassifier, DDFA's default domain discriminator
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    # GraphAutoEncoder's training graph (graph_, and the kNN graph new rows are linked to)
    "scipy.sparse._csr.csr_matrix",
    "sklearn_unsup.neighbors._graph.KNNGraph",
)


def skops_trusted_types():
    """The type names a ``skops.io`` file of this package's estimators may hold.

    Pass them to :func:`skops.io.load` (``trusted=``), or use
    :func:`load_skops`, which does. The list names this package's public
    estimators, the private torch modules, losses, data iterators and training
    hooks their fitted state refers to, torch's optimizers and two skorch
    callbacks. A model that wraps an estimator from elsewhere (a
    ``RejectionOutlierDetector`` around another library's detector) may need
    that estimator's types too: :func:`skops.io.get_untrusted_types` lists
    what a file holds beyond this list.

    Returns
    -------
    trusted : list of str
        Sorted ``module.name`` strings.
    """
    from ._discovery import all_estimators

    public = [f"{cls.__module__}.{name}" for name, cls in all_estimators()]
    return sorted(set(public) | set(_INTERNAL_TYPES))


def _skops_io():
    try:
        return import_module("skops.io")
    except ImportError as exc:
        raise ImportError(
            "Saving and loading models in skops format needs the skops package: "
            "pip install 'sklearn_unsup[skops]'."
        ) from exc


def dump_skops(estimator, file):
    """Save ``estimator`` (fitted or not) to ``file`` in ``skops.io``'s format.

    Parameters
    ----------
    estimator : estimator
        Any estimator of this package, or a pipeline holding them.
    file : str, path or file object
        Where to write.

    Raises
    ------
    TypeError
        When a deep clusterer in ``estimator`` holds a UMAP ``encoder_``:
        skops cannot store UMAP's fitted state (save it with pickle, or fit
        with ``encoder="pca"`` or ``None``).
    """
    _check_no_umap_stage(estimator)
    _skops_io().dump(estimator, file)


def _check_no_umap_stage(estimator):
    steps = [step for _, step in getattr(estimator, "steps", [])] or [estimator]
    for step in steps:
        if type(getattr(step, "encoder_", None)).__module__.split(".")[0] == "umap":
            raise TypeError(f"{type(step).__name__} holds a fitted UMAP encoder_ stage, which skops cannot store "
                            "(UMAP keeps generators and numba functions): save it with pickle or joblib, or fit it "
                            "with encoder='pca' or encoder=None.")


def load_skops(file, *, trusted=()):
    """Load a model saved with :func:`dump_skops` (or ``skops.io.dump``), building trusted types only.

    Parameters
    ----------
    file : str, path or file object
        The ``.skops`` file.
    trusted : sequence of str, default=()
        Type names to trust beyond :func:`skops_trusted_types` (e.g. another
        library's estimator inside a pipeline).

    Returns
    -------
    estimator : estimator
        The loaded model.

    Raises
    ------
    skops.io.exceptions.UntrustedTypesFoundException
        When the file names a type outside the trusted list (a tampered or
        foreign file): nothing of it is built.
    """
    sio = _skops_io()
    return sio.load(file, trusted=skops_trusted_types() + list(trusted))
