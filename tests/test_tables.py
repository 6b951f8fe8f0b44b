"""Messy tables (categories, missing values, datetimes) through skrub's TableVectorizer.

The documented path (user guide, "Messy tables"; examples/plot_tables_skrub.py) is
``make_pipeline(TableVectorizer(), SimpleImputer(), StandardScaler(), estimator)``
for any estimator of the package. One estimator per family runs it here on the shared
``large/campaign`` table turned back into its categorical form (tests/_campaign.py), with 5% of
the cells masked.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.impute import SimpleImputer
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skrub import TableVectorizer, tabular_pipeline

from sklearn_unsup.cluster import DEC
from sklearn_unsup.decomposition import AutoEncoder
from sklearn_unsup.density import RealNVP
from sklearn_unsup.outlier import DeepSVDD

from ._campaign import CAMPAIGN, campaign_frame, load_campaign

# new_rows() and the search's folds meet categories the vectorizer has not seen: OneHotEncoder says so
pytestmark = pytest.mark.filterwarnings("ignore:Found unknown categories:UserWarning")

N_ROWS = 400
N_EXTREME = 20


def tables_pipeline(estimator):
    return make_pipeline(TableVectorizer(), SimpleImputer(), StandardScaler(), estimator)


FAMILIES = {
    "clusterer": lambda: DEC(n_clusters=3, hidden_dims=(64, 32), n_components=5, pretrain_epochs=10, max_epochs=10,
                             random_state=0),
    "transformer": lambda: AutoEncoder(n_components=8, hidden_dims=(64,), max_epochs=30, random_state=0),
    "detector": lambda: DeepSVDD(max_epochs=10, random_state=0),
    "density": lambda: RealNVP(n_coupling_layers=4, hidden_dims=(64,), max_epochs=20, random_state=0),
}
METHOD = {"clusterer": "predict_proba", "transformer": "transform", "detector": "score_samples",
          "density": "score_samples"}


@pytest.fixture(scope="module")
def table():
    data = load_campaign()
    if data is None:
        pytest.skip(f"benchmark data {CAMPAIGN} not available")
    X, _ = data
    rows = np.random.RandomState(0).choice(len(X), N_ROWS, replace=False)
    return campaign_frame(X[rows], missing=0.05, random_state=0)


@pytest.fixture(scope="module")
def fitted(table):
    """One fitted pipeline per family, shared by the tests below (fitted on first use)."""
    cache = {}

    def get(family):
        if family not in cache:
            cache[family] = tables_pipeline(FAMILIES[family]()).fit(table)
        return cache[family]

    return get


def with_extremes(table):
    """The table with N_EXTREME rows made extreme (a client aged 120, a 10-hour call, 300 contacts)."""
    df = table.copy()
    df.loc[: N_EXTREME - 1, ["age", "duration", "campaign"]] = [120.0, 36000.0, 300.0]
    return df


def new_rows(table):
    """Rows never seen at fit: an unknown job, a row with every cell missing, a missing datetime."""
    df = table.iloc[:3].copy()
    df.loc[df.index[0], "job"] = "astronaut"
    df.loc[df.index[1], :] = None
    df.loc[df.index[2], "contact_month"] = pd.NaT
    return df


def test_table_has_what_a_messy_table_has(table):
    numeric = table.select_dtypes("number").columns
    dates = table.select_dtypes("datetime").columns
    assert table.shape == (N_ROWS, 20) and len(numeric) == 10 and list(dates) == ["contact_month"]
    assert all(pd.api.types.is_string_dtype(table[c]) for c in table.columns.difference(numeric.union(dates)))
    assert 0.04 < table.isna().to_numpy().mean() < 0.06
    assert table["job"].nunique() > 5


def test_without_imputation_the_error_names_the_missing_values(table):
    """TableVectorizer passes NaN through; the estimator refuses it with a clear message, not a torch error."""
    with pytest.raises(ValueError, match="NaN"):
        make_pipeline(TableVectorizer(), DeepSVDD(max_epochs=1, random_state=0)).fit(table)
    with pytest.raises(ValueError, match="could not convert string to float"):
        DeepSVDD(max_epochs=1, random_state=0).fit(table)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_each_family_fits_a_messy_table(family, table, fitted):
    pipe = fitted(family)
    out = np.asarray(getattr(pipe, METHOD[family])(table))
    assert out.shape[0] == N_ROWS and np.isfinite(out).all()
    fresh = np.asarray(getattr(pipe, METHOD[family])(new_rows(table)))
    assert fresh.shape[0] == 3 and np.isfinite(fresh).all()
    # pickle and clone round trips
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_allclose(np.asarray(getattr(again, METHOD[family])(table)), out, rtol=1e-6, atol=1e-6)
    unfitted = clone(pipe)
    assert type(unfitted[-1]) is type(pipe[-1]) and unfitted[-1].get_params() == pipe[-1].get_params()
    assert not hasattr(unfitted[-1], "n_features_in_")


def test_clusterer_finds_several_clusters(table, fitted):
    pipe = fitted("clusterer")
    labels = pipe.predict(table)
    proba = pipe.predict_proba(table)
    assert proba.shape == (N_ROWS, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert len(np.unique(labels)) > 1 and np.bincount(labels).max() < 0.9 * N_ROWS


def test_transformer_codes_keep_the_table(table, fitted):
    """8 codes reconstruct the vectorized, imputed, standardized table (65 columns with skrub 0.11) better than
    the column means do."""
    pipe = fitted("transformer")
    codes = pipe.transform(table)
    assert codes.shape == (N_ROWS, 8)
    Z = pipe[:-1].transform(table)
    assert Z.shape[0] == N_ROWS and Z.shape[1] > 50
    mse = np.mean((pipe[-1].inverse_transform(codes) - Z) ** 2)
    assert mse < 0.9 * np.mean(Z.var(axis=0)), mse


def test_transformer_pandas_output_with_missing_indicators(table):
    pipe = make_pipeline(TableVectorizer(), SimpleImputer(add_indicator=True), StandardScaler(),
                         AutoEncoder(n_components=3, hidden_dims=(16,), max_epochs=2, random_state=0))
    out = pipe.set_output(transform="pandas").fit(table).transform(table)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["autoencoder0", "autoencoder1", "autoencoder2"]
    assert out.index.equals(table.index)


@pytest.mark.parametrize("family", ["detector", "density"])
def test_rows_with_extreme_values_score_lowest(family, table, fitted):
    """Fitted on the table, the detector and the density rank the rows with extreme values as the most abnormal."""
    scores = fitted(family).score_samples(with_extremes(table))
    assert np.isfinite(scores).all()
    is_extreme = np.arange(N_ROWS) < N_EXTREME
    assert roc_auc_score(is_extreme, -scores) > 0.95
    if family == "detector":
        assert (fitted(family).predict(with_extremes(table))[is_extreme] == -1).all()


def test_grid_search_over_the_table_pipeline(table):
    """The whole pipeline, vectorizer included, is searchable (RealNVP's score: mean log-likelihood)."""
    pipe = tables_pipeline(RealNVP(n_coupling_layers=2, hidden_dims=(16,), max_epochs=3, random_state=0))
    search = GridSearchCV(pipe, {"simpleimputer__strategy": ["mean", "median"]}, cv=2).fit(table)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert np.isfinite(search.score_samples(table)).all()


def test_skrub_tabular_pipeline_builds_around_our_estimators(table):
    """skrub's one-liner (TableVectorizer, SimpleImputer, SquashingScaler) takes estimators that have predict."""
    pipe = tabular_pipeline(DeepSVDD(max_epochs=2, random_state=0)).fit(table)
    assert np.isfinite(pipe.score_samples(table)).all()
    assert set(np.unique(pipe.predict(table))) <= {-1, 1}
