"""A 2-D thin-plate spline: the smooth map through matched key points that the fit and warp use."""

from __future__ import annotations

import numpy as np

REGULARISATION = 0.02  # a little stiffness so noisy key points bend the garment less


class ThinPlateSpline:
    """2-D thin-plate spline through control points: maps `source` points onto `target` ones."""

    def __init__(self, source: np.ndarray, target: np.ndarray, regularisation: float = 0.0):
        source, target = np.asarray(source, np.float64), np.asarray(target, np.float64)
        # Work in units of the point spread so the regularisation means the same at any size.
        self.offset = source.mean(axis=0)
        self.scale = float(np.abs(source - self.offset).max()) or 1.0
        self.points = (source - self.offset) / self.scale
        n = len(self.points)
        kernel = self._kernel(self.points, self.points) + regularisation * np.eye(n)
        affine = np.hstack([np.ones((n, 1)), self.points])
        system = np.zeros((n + 3, n + 3))
        system[:n, :n], system[:n, n:], system[n:, :n] = kernel, affine, affine.T
        rhs = np.zeros((n + 3, 2))
        rhs[:n] = target
        # lstsq rather than solve: two coincident key points make the system singular.
        self.coefficients = np.linalg.lstsq(system, rhs, rcond=None)[0]

    @staticmethod
    def _kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(d2 > 0, d2 * np.log(d2), 0.0)

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        """Map (m, 2) points."""
        p = (np.asarray(xy, np.float64) - self.offset) / self.scale
        n = len(self.points)
        affine = np.hstack([np.ones((len(p), 1)), p])
        return self._kernel(p, self.points) @ self.coefficients[:n] + affine @ self.coefficients[n:]
