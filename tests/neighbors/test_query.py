import numpy as np
import pytest

from sklearn_unsup.neighbors import query_by_example


@pytest.fixture
def rare_kind():
    """400 common rows around one direction, 12 rare ones around another."""
    rng = np.random.RandomState(0)
    common = rng.normal(size=(400, 16)) + 3.0 * np.eye(16)[0]
    rare = rng.normal(scale=0.5, size=(12, 16)) + 3.0 * np.eye(16)[1]
    return np.r_[common, rare], np.r_[np.zeros(400, int), np.ones(12, int)]


@pytest.mark.parametrize("combine", ["max", "mean"])
@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_three_examples_retrieve_the_rest_of_their_kind(rare_kind, combine, metric):
    X, y = rare_kind
    indices, similarities = query_by_example(X, [400, 401, 402], n_results=9, combine=combine, metric=metric)
    assert set(indices) == set(range(403, 412))
    assert np.all(np.diff(similarities) <= 0)


def test_similarities_are_the_definition(rare_kind):
    X, _ = rare_kind
    seeds = [400, 405]
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    cosine = unit @ unit[seeds].T
    for combine, expected in [("max", cosine.max(axis=1)), ("mean", cosine.mean(axis=1))]:
        indices, similarities = query_by_example(X, seeds, n_results=410, combine=combine)
        assert not set(seeds) & set(indices)
        assert np.allclose(similarities, expected[indices])


def test_example_rows_instead_of_indices(rare_kind):
    X, _ = rare_kind
    by_index, _ = query_by_example(X, [400], n_results=5, exclude_examples=False)
    by_row, _ = query_by_example(X, X[[400]], n_results=5)
    assert np.array_equal(by_index, by_row)
    assert by_row[0] == 400  # a given row is not excluded: it is its own best match


@pytest.mark.parametrize("examples, match", [([], "non-empty"), ([0.5], "integer"), ([412], "outside"),
                                             (np.zeros((1, 3)), "3 features")])
def test_bad_examples_are_named(rare_kind, examples, match):
    with pytest.raises(ValueError, match=match):
        query_by_example(rare_kind[0], examples)


def test_too_many_results_is_named(rare_kind):
    with pytest.raises(ValueError, match="n_results"):
        query_by_example(rare_kind[0][:10], [0], n_results=10)
