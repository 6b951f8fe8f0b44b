"""
Messy tables: categories, missing values and dates through skrub
================================================================

The estimators of this package take numbers: a table with text categories, missing
cells or dates is refused with a clear error. skrub's
:class:`~skrub.TableVectorizer` turns such a table into numbers (one-hot or string
encodings for categories, year/month/day/... for dates, numbers passed through), and
two scikit-learn steps finish the job: a
:class:`~sklearn.impute.SimpleImputer` (the vectorizer keeps missing numbers and
dates as ``NaN``) and a :class:`~sklearn.preprocessing.StandardScaler` (the networks
train on standardised inputs; a date's seconds since 1970 would otherwise dominate).
The recipe is the same for every estimator of the package::

    make_pipeline(TableVectorizer(), SimpleImputer(), StandardScaler(), estimator)

Install skrub with ``pip install "sklearn_unsup[tables]"``. The table here is made up
(customers from three segments, a few fraudulent accounts, 5% of the cells missing) so
that the answers are known; ``tests/test_tables.py`` runs the same recipe on a real
one, the UCI bank-marketing table.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.impute import SimpleImputer
from sklearn.metrics import adjusted_rand_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skrub import TableVectorizer

from sklearn_unsup.cluster import BalancedKMeans
from sklearn_unsup.decomposition import AutoEncoder
from sklearn_unsup.density import RealNVP
from sklearn_unsup.outlier import DeepSVDD

# Small settings when the examples run as tests.
FAST = os.environ.get("SKLEARN_UNSUP_EXAMPLES_FAST") == "1"
epochs = 5 if FAST else 50

# %%
# A messy table
# -------------
# Three customer segments differ in age, spending, plan and sign-up date; 15 accounts
# are fraudulent (hundreds of orders, huge baskets). Then 5% of all cells go missing.
rng = np.random.RandomState(0)
n_per_segment, n_fraud = 400, 15
segment = np.repeat([0, 1, 2], n_per_segment)
n = len(segment)
countries = np.array(["FR", "DE", "ES", "IT", "NL", "BE", "PT", "PL", "SE", "AT"])
table = pd.DataFrame({
    "age": np.round(np.array([24.0, 41.0, 63.0])[segment] + rng.normal(0, 4, n)),
    "yearly_spend": np.round(np.exp(np.array([5.0, 6.5, 5.8])[segment] + rng.normal(0, 0.3, n)), 2),
    "n_orders": rng.poisson(np.array([4, 12, 7])[segment]).astype(float),
    "plan": np.array([["free", "basic", "basic"], ["premium", "premium", "basic"],
                      ["basic", "free", "premium"]])[segment, rng.randint(0, 3, n)],
    "channel": np.array(["app", "web", "store"])[np.where(rng.uniform(size=n) < 0.7, segment, rng.randint(0, 3, n))],
    "country": countries[rng.randint(0, len(countries), n)],
    "signup": pd.Timestamp("2015-01-01")
    + pd.to_timedelta(np.array([2900, 900, 300])[segment] + rng.randint(0, 500, n), unit="D"),
})
fraud = rng.choice(n, n_fraud, replace=False)
table.loc[fraud, "n_orders"] = rng.randint(300, 600, n_fraud)
table.loc[fraud, "yearly_spend"] = np.round(rng.uniform(2e4, 5e4, n_fraud), 2)
is_fraud = np.isin(np.arange(n), fraud)
table = table.mask(rng.uniform(size=table.shape) < 0.05)
print(table.head())
print(f"{table.isna().to_numpy().mean():.1%} of the cells are missing")

# %%
# Our estimators refuse the raw table, with a clear message (so does the
# vectorized table: the vectorizer keeps missing values as ``NaN``):
for step in ([], [TableVectorizer()]):
    try:
        make_pipeline(*step, DeepSVDD()).fit(table)
    except ValueError as exc:
        print(f"{' + '.join(type(s).__name__ for s in step + [DeepSVDD()])}: {str(exc).splitlines()[0]}")


# %%
# The recipe, in front of one estimator of each family
# ----------------------------------------------------
def on_tables(estimator):
    return make_pipeline(TableVectorizer(), SimpleImputer(), StandardScaler(), estimator)


print(on_tables(DeepSVDD()))

# %%
# The clusterer finds the segments (scikit-learn's KMeans behind the same steps for
# comparison), the detector and the density model find the fraudulent accounts.
balanced = on_tables(BalancedKMeans(n_clusters=3, random_state=0)).fit(table)
kmeans = on_tables(KMeans(3, n_init=10, random_state=0)).fit(table)
for name, pipe in [("BalancedKMeans", balanced), ("KMeans", kmeans)]:
    print(f"{name:14s} segments recovered, ARI {adjusted_rand_score(segment, pipe.predict(table)):.3f}")

svdd = on_tables(DeepSVDD(max_epochs=epochs, random_state=0)).fit(table)
flow = on_tables(RealNVP(n_coupling_layers=4, hidden_dims=(64,), max_epochs=2 * epochs, random_state=0)).fit(table)
for name, pipe in [("DeepSVDD", svdd), ("RealNVP", flow)]:
    print(f"{name:9s} fraud AUROC {roc_auc_score(is_fraud, -pipe.score_samples(table)):.3f}")

# %%
# New rows go through the same steps: a country never seen at fit time is encoded
# as all zeros (with a warning from the one-hot encoder), missing cells are imputed.
new = pd.DataFrame({"age": [35.0], "yearly_spend": [None], "n_orders": [9.0], "plan": ["basic"],
                    "channel": ["web"], "country": ["LU"], "signup": [pd.Timestamp("2017-06-01")]})
print("new customer: cluster", balanced.predict(new)[0], " DeepSVDD score", svdd.score_samples(new).round(3)[0])

# %%
# A two-number summary from the autoencoder, coloured by true segment, and the
# detector's scores.
ae = on_tables(AutoEncoder(n_components=2, hidden_dims=(64,), max_epochs=2 * epochs, random_state=0)).fit(table)
codes = ae.transform(table)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
axes[0].scatter(*codes[~is_fraud].T, c=segment[~is_fraud], cmap="viridis", s=8)
axes[0].scatter(*codes[is_fraud].T, c="red", marker="x", s=30, label="fraud")
axes[0].set_title("AutoEncoder(2) codes of the table, by segment")
axes[0].legend()
scores = svdd.score_samples(table)
bins = np.linspace(scores.min(), scores.max(), 40)
axes[1].hist(scores[~is_fraud], bins=bins, alpha=0.6, label="customers")
axes[1].hist(scores[is_fraud], bins=bins, alpha=0.8, color="red", label="fraud")
axes[1].set_yscale("log")
axes[1].set_xlabel("DeepSVDD score_samples (higher = more normal)")
axes[1].legend()
plt.tight_layout()
plt.show()

# %%
# skrub's one-liner
# -----------------
# ``skrub.tabular_pipeline(estimator)`` builds nearly the same pipeline (its scaler is
# skrub's ``SquashingScaler``, which soft-clips values beyond 5 robust standard
# deviations, and dates get periodic spline features); it takes estimators with a
# ``predict`` method: the clusterers, detectors and OOD scorers here, not the
# transformers or RealNVP. Its heuristics may change between skrub releases; the
# explicit pipeline above does not. It also adds ``SimpleImputer(add_indicator=True)``:
# one "was missing" column per numeric or date feature. On this table those columns
# are noise to a distance-based clusterer:
with_indicators = make_pipeline(TableVectorizer(), SimpleImputer(add_indicator=True), StandardScaler(),
                                KMeans(3, n_init=10, random_state=0)).fit(table)
print(f"KMeans with missing indicators, ARI {adjusted_rand_score(segment, with_indicators.predict(table)):.3f}")
