"""Generated MCLP instances of the published benchmark families' shapes (fixed seeds; no published file shipped).

The published collections (SJC: Lorena & Pereira 2002; BDS / BDS1000: Cordeau, Furini & Ljubić 2019 and the
2024 IJOC cross-entropy paper's data) are CC BY-NC-SA: this module generates instances of the same *shape*
instead, labelled synthetic wherever they appear.

* ``sjc``: 300–800 demand points clustered like a city (a few dense neighbourhoods and a sparse spread over a
  ~10 km square, coordinates in metres), every point a candidate, integer demands skewed towards the clusters,
  Euclidean service radii of 800–1,600 m (the SJC instances' range).
* ``bds``: 100 or 1,000 candidates and 10,000–100,000 customers uniform on the square [0, 30]^2, integer
  demands 1–100, Euclidean radius chosen so that the optimum covers roughly 10–60 % of the demand.

Coverage is the instance's definition (point within the Euclidean radius of a candidate), computed here with a
k-d tree: these are abstract benchmark instances, not the product's geography (which goes through
``supplychain.measure``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree


@dataclass
class Instance:
    """A generated MCLP instance: ``cover`` is customers x candidates (0/1), ``weights`` the demands."""

    name: str
    family: str
    cover: sp.csc_matrix
    weights: np.ndarray
    p: int
    radius: float
    seed: int

    @property
    def n_candidates(self) -> int:
        return self.cover.shape[1]

    @property
    def n_customers(self) -> int:
        return self.cover.shape[0]


def coverage(customers: np.ndarray, candidates: np.ndarray, radius: float) -> sp.csc_matrix:
    """0/1 matrix customers x candidates: the candidate lies within ``radius`` (Euclidean) of the customer."""
    tree = cKDTree(candidates)
    lists = tree.query_ball_point(customers, radius)
    lengths = np.fromiter((len(x) for x in lists), np.int64, len(lists))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.concatenate([np.asarray(x, np.int64) for x in lists]) if indptr[-1] else np.zeros(0, np.int64)
    m = sp.csr_matrix((np.ones(len(indices), np.int8), indices, indptr), shape=(len(customers), len(candidates)))
    return m.tocsc()


def clustered_points(n: int, rng: np.random.Generator, side: float = 10_000.0) -> tuple[np.ndarray, np.ndarray]:
    """City-like points: ~80 % in 6–12 Gaussian neighbourhoods, the rest spread uniformly; demands 1–100 with the
    denser neighbourhoods heavier."""
    n_clusters = int(rng.integers(6, 13))
    centres = rng.uniform(0.15 * side, 0.85 * side, (n_clusters, 2))
    spread = rng.uniform(0.03, 0.09, n_clusters) * side
    share = rng.dirichlet(np.ones(n_clusters) * 2)
    n_clustered = int(0.8 * n)
    which = rng.choice(n_clusters, n_clustered, p=share)
    pts = centres[which] + rng.normal(size=(n_clustered, 2)) * spread[which, None]
    pts = np.vstack([pts, rng.uniform(0, side, (n - n_clustered, 2))])
    pts = np.clip(pts, 0, side)
    base = np.concatenate([rng.integers(20, 101, n_clustered), rng.integers(1, 41, n - n_clustered)])
    return pts, base.astype(float)


def sjc_like(n: int, radius: float, p: int, seed: int) -> Instance:
    """``n`` clustered demand points, each also a candidate site, radius in metres."""
    rng = np.random.default_rng(seed)
    pts, w = clustered_points(n, rng)
    return Instance(f"SJC-like{n}_r{radius:g}_p{p}", "sjc", coverage(pts, pts, radius), w, p, radius, seed)


def bds_name(n_candidates: int, n_customers: int, radius: float, p: int) -> str:
    family = "BDS1000" if n_candidates >= 1000 else "BDS"
    return f"{family}-like{n_candidates}x{n_customers // 1000}k_r{radius:g}_p{p}"


def bds_like(n_candidates: int, n_customers: int, radius: float, p: int, seed: int) -> Instance:
    """Customers and candidates uniform on [0, 30]^2, integer demands 1–100."""
    rng = np.random.default_rng(seed)
    cands = rng.uniform(0, 30, (n_candidates, 2))
    custs = rng.uniform(0, 30, (n_customers, 2))
    w = rng.integers(1, 101, n_customers).astype(float)
    family = "bds1000" if n_candidates >= 1000 else "bds"
    return Instance(bds_name(n_candidates, n_customers, radius, p), family, coverage(custs, cands, radius), w, p,
                    radius, seed)


def suite(quick: bool = False) -> list[tuple[str, Callable[[], Instance]]]:
    """The benchmark's instances as (name, generator) pairs, generated on demand (fixed seeds)."""
    sjc = [(324, 800, 10), (402, 1200, 30), (500, 1200, 20), (708, 1600, 60), (818, 800, 80), (818, 1600, 40)]
    bds = [(100, 10_000, 3.0, 5), (100, 10_000, 4.0, 15), (100, 50_000, 3.5, 10), (100, 100_000, 5.0, 10)]
    bds1000 = [(1000, 10_000, 1.5, 20), (1000, 10_000, 2.0, 30), (1000, 50_000, 2.0, 40),
               (1000, 100_000, 1.5, 100)]
    if quick:
        sjc, bds, bds1000 = sjc[:2], bds[:2], bds1000[:2]
    out = [(f"SJC-like{n}_r{r:g}_p{p}", partial(sjc_like, n, r, p, 1000 + i)) for i, (n, r, p) in enumerate(sjc)]
    out += [(bds_name(n, m, r, p), partial(bds_like, n, m, r, p, 2000 + i)) for i, (n, m, r, p) in enumerate(bds)]
    out += [(bds_name(n, m, r, p), partial(bds_like, n, m, r, p, 3000 + i))
            for i, (n, m, r, p) in enumerate(bds1000)]
    return out
