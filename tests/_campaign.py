"""The ``large/campaign`` set of ../shared/data as the messy table it came from.

ADBench's campaign (UCI Bank Marketing, "bank-additional") is stored min-max scaled
with its categorical columns one-hot encoded. :func:`campaign_frame` turns it back
into a table a user would have: the numeric columns in their original units (UCI's
documented ranges), each one-hot block as one string column, the month of last
contact as a datetime, and a share of the cells masked (``NaN`` / ``None`` / ``NaT``).
Shared by ``tests/test_tables.py`` and ``benchmarks/bench_missing_values.py``.
"""

from pathlib import Path

import numpy as np

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CAMPAIGN = SHARED_DATA / "large" / "campaign.npz"

# (name, first column, categories in column order); found from the blocks whose
# row sums are exactly one, and named from UCI's category frequencies.
_BLOCKS = [
    ("job", 1, ["housemaid", "services", "admin.", "blue-collar", "technician", "retired", "management",
                "unemployed", "self-employed", "unknown", "entrepreneur", "student"]),
    ("marital", 13, ["married", "single", "divorced", "unknown"]),
    ("education", 17, ["basic.4y", "high.school", "basic.6y", "basic.9y", "professional.course", "unknown",
                       "university.degree", "illiterate"]),
    ("default", 25, ["no", "unknown", "yes"]),
    ("housing", 28, ["no", "yes", "unknown"]),
    ("loan", 31, ["no", "yes", "unknown"]),
    ("day_of_week", 45, ["mon", "tue", "wed", "thu", "fri"]),
    ("poutcome", 54, ["nonexistent", "failure", "success"]),
]
_MONTHS = (35, [5, 6, 7, 8, 10, 11, 12, 3, 4, 9])  # one-hot block of the month of last contact
# (name, column, min, max, integer): UCI's ranges, undoing ADBench's min-max scaling
_NUMERIC = [
    ("age", 0, 17, 98, True), ("duration", 50, 0, 4918, True), ("campaign", 51, 1, 56, True),
    ("pdays", 52, 0, 999, True), ("previous", 53, 0, 7, True), ("emp_var_rate", 57, -3.4, 1.4, False),
    ("cons_price_idx", 58, 92.201, 94.767, False), ("cons_conf_idx", 59, -50.8, -26.9, False),
    ("euribor3m", 60, 0.634, 5.045, False), ("nr_employed", 61, 4963.6, 5228.1, False),
]


def load_campaign():
    """``X, y`` of large/campaign (y = 1: the client subscribed, ADBench's anomaly), or None if absent."""
    if not CAMPAIGN.exists():
        return None
    data = np.load(CAMPAIGN)
    return data["X"], data["y"]


def campaign_frame(X, missing=0.05, random_state=0):
    """The campaign rows ``X`` (ADBench encoding) as a pandas DataFrame with ``missing`` of its cells masked.

    Columns: 10 numeric (floats, original units), 8 categorical (strings), ``contact_month``
    (datetime; the set has no year, 2009 stands in). Masking is uniform over cells.
    """
    import pandas as pd

    X = np.asarray(X, dtype=np.float64)
    cols = {}
    for name, j, lo, hi, integer in _NUMERIC:
        v = lo + X[:, j] * (hi - lo)
        cols[name] = np.round(v) if integer else np.round(v, 3)
    for name, j, cats in _BLOCKS:
        block = X[:, j:j + len(cats)]
        assert np.all(block.sum(axis=1) == 1), name
        cols[name] = np.asarray(cats, dtype=object)[block.argmax(axis=1)]
    cols["contact"] = np.where(X[:, 34] == 1, "cellular", "telephone").astype(object)
    j, months = _MONTHS
    month = np.asarray(months)[X[:, j:j + len(months)].argmax(axis=1)]
    cols["contact_month"] = pd.to_datetime({"year": np.full(len(X), 2009), "month": month, "day": 1})
    df = pd.DataFrame(cols)
    if missing:
        mask = np.random.RandomState(random_state).uniform(size=df.shape) < missing
        df = df.mask(mask)
    return df
