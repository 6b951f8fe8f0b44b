"""The Hamming top-k kernel against a NumPy brute force (unpacked bits, stable sort: ties by index)."""

import numpy as np
import pytest

from sklearn_unsup._kernels._hamming import hamming_knn, pack_words


def _reference(codes, k, query=None):
    bits = np.unpackbits(pack_words(codes).view(np.uint8), axis=1)
    qbits = bits if query is None else np.unpackbits(pack_words(query).view(np.uint8), axis=1)
    H = (qbits[:, None, :] != bits[None, :, :]).sum(axis=2)
    if query is None:
        np.fill_diagonal(H, H.max() + 1)
    ind = np.argsort(H, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(H, ind, axis=1), ind


@pytest.mark.parametrize("n_bytes", [1, 3, 8, 9, 17])
@pytest.mark.parametrize("self_search", [True, False])
def test_matches_brute_force_with_ties(n_bytes, self_search):
    rng = np.random.RandomState(n_bytes)
    # few distinct bit patterns: many equal distances and duplicate rows, so the tie order is tested
    pool = rng.randint(0, 256, size=(12, n_bytes)).astype(np.uint8)
    codes = pool[rng.randint(0, 12, size=157)]
    query = None if self_search else pool[rng.randint(0, 12, size=23)] ^ rng.randint(0, 2, (23, n_bytes)).astype(
        np.uint8)
    for k in (1, 10, 156):
        d, i = hamming_knn(codes, k, query)
        d_ref, i_ref = _reference(codes, k, query)
        np.testing.assert_array_equal(i, i_ref)
        np.testing.assert_array_equal(d, d_ref)
        assert d.dtype == np.int64 and i.dtype == np.int64


def test_uint64_words_equal_their_bytes():
    rng = np.random.RandomState(0)
    words = rng.randint(0, 2**63, size=(200, 2), dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)
    d, i = hamming_knn(words, 7)
    d8, i8 = hamming_knn(words.view(np.uint8), 7)
    np.testing.assert_array_equal(i, i8)
    np.testing.assert_array_equal(d, d8)
    np.testing.assert_array_equal(i, _reference(words, 7)[1])
    assert d.max() <= 128


def test_pack_words_pads_with_zeros():
    codes = np.array([[255, 1, 2]], dtype=np.uint8)
    words = pack_words(codes)
    assert words.dtype == np.uint64 and words.shape == (1, 1)
    np.testing.assert_array_equal(words.view(np.uint8)[0], [255, 1, 2, 0, 0, 0, 0, 0])
