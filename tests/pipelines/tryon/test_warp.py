"""The thin-plate spline passes through its control points and is smooth between them."""

from __future__ import annotations

import numpy as np

from pipelines.tryon.warp import ThinPlateSpline, _similarity


def test_spline_interpolates_its_points():
    rng = np.random.default_rng(1)
    source = rng.uniform(0, 500, (10, 2))
    target = source * 1.3 + rng.normal(0, 8, source.shape) + [20, -5]
    spline = ThinPlateSpline(source, target)
    assert np.allclose(spline(source), target, atol=1e-6)


def test_spline_reproduces_an_affine_map_exactly():
    source = np.array([[0, 0], [100, 0], [0, 100], [100, 100], [50, 30]], float)
    matrix = np.array([[1.2, 0.3], [-0.1, 0.9]])
    target = source @ matrix.T + [7, 11]
    spline = ThinPlateSpline(source, target, regularisation=0.05)
    probe = np.array([[25.0, 75.0], [300.0, -40.0]])
    assert np.allclose(spline(probe), probe @ matrix.T + [7, 11], atol=1e-6)


def test_similarity_maps_segment_onto_segment():
    m = _similarity(np.array([0, 0]), np.array([10, 0]), np.array([5, 5]), np.array([5, 25]))
    ends = np.array([[0, 0, 1], [10, 0, 1]], np.float32) @ m.T
    assert np.allclose(ends, [[5, 5], [5, 25]], atol=1e-5)
