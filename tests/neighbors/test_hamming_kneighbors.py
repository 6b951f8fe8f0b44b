import numpy as np
import pytest

from sklearn_unsup.neighbors import hamming_kneighbors


def _brute(bits_db, bits_q, k):
    H = (bits_q[:, None, :] != bits_db[None, :, :]).sum(axis=2)
    ind = np.argsort(H, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(H, ind, axis=1), ind


def test_query_search_matches_brute_force():
    rng = np.random.RandomState(0)
    bits_db = rng.rand(300, 20) < 0.5
    bits_q = rng.rand(40, 20) < 0.5
    d, i = hamming_kneighbors(np.packbits(bits_db, axis=1), n_neighbors=15, query=np.packbits(bits_q, axis=1))
    d_ref, i_ref = _brute(bits_db, bits_q, 15)
    np.testing.assert_array_equal(i, i_ref)
    np.testing.assert_array_equal(d, d_ref)


def test_self_search_excludes_self_unless_asked():
    bits = np.array([[0, 0, 0], [0, 0, 0], [1, 1, 1], [1, 0, 0]], dtype=bool)
    codes = np.packbits(bits, axis=1)
    d, i = hamming_kneighbors(codes, n_neighbors=2)
    np.testing.assert_array_equal(i, [[1, 3], [0, 3], [3, 0], [0, 1]])  # the duplicate row still counts
    np.testing.assert_array_equal(d, [[0, 1], [0, 1], [2, 3], [1, 1]])
    d, i = hamming_kneighbors(codes, n_neighbors=1, exclude_self=False)
    np.testing.assert_array_equal(i[:, 0], [0, 0, 2, 3])
    assert d.max() == 0


def test_bad_input():
    codes = np.packbits(np.eye(8, dtype=bool), axis=1)
    with pytest.raises(TypeError, match="packed binary codes"):
        hamming_kneighbors(codes.astype(np.float64))
    with pytest.raises(TypeError, match="same packing"):
        hamming_kneighbors(codes, query=np.zeros((2, 1), dtype=np.uint64))
    with pytest.raises(ValueError, match="columns"):
        hamming_kneighbors(codes, query=np.zeros((2, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match="at most n_samples - 1 = 7"):
        hamming_kneighbors(codes, n_neighbors=8)
    with pytest.raises(ValueError, match="n_neighbors"):
        hamming_kneighbors(codes, n_neighbors=0)
    assert hamming_kneighbors(codes, n_neighbors=8, query=codes[:1])[1].shape == (1, 8)
