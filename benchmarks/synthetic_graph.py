"""A SYNTHETIC road-like network for scale benchmarks (not real data; every output names it "synthetic").

The real SIP network has 5,860 nodes; the full Wuzhong network plus its buffer is expected to reach about
150,000. This module generates a graph of that size with the features that matter to a router:

- a perturbed grid (about 120 m spacing, nodes jittered), with some edges removed (dead ends, detours);
- arterial rows/columns (``secondary``/``primary``) over residential streets, so speeds differ;
- diagonal ``trunk`` arterials crossing the grid (higher speeds, shortcuts for distance too);
- a few one-way streets (only one direction kept);
- parallel edges (a second, longer edge between the same nodes, as osmnx graphs have).

It is built as an osmnx-style ``MultiDiGraph`` (node ``x``/``y`` in WGS84 lon/lat near Suzhou, edge
``length`` in metres by great circle, ``highway``) and pushed through the product's own
``network.build_arrays`` + ``network.save``, so the product loads it exactly like a real import.

It lives here, not in the library: the product never builds road graphs (it imports OSM), and this needs
networkx graph building and a private helper of ``network``. Synthetic *entities* (firms, makers, candidate
points) are the library's :mod:`supplychain.synthetic`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import networkx as nx
import numpy as np

#: Centre of the generated grid: near 吴中区 / Suzhou (WGS84). The graph is synthetic; only its scale is real.
CENTRE_LON, CENTRE_LAT = 120.63, 31.27
EARTH_RADIUS_M = 6_371_009.0  # the radius osmnx uses for edge lengths

SOURCE_LABEL = "synthetic:perturbed-grid"


def great_circle_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Haversine metres, the same formula osmnx uses for ``length``."""
    y1, y2 = np.deg2rad(lat1), np.deg2rad(lat2)
    dx = np.deg2rad(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(dx / 2) ** 2
    return 2 * np.arcsin(np.sqrt(np.minimum(1.0, h))) * EARTH_RADIUS_M


def generate_arrays(side: int = 360, spacing_m: float = 120.0, seed: int = 7, removed_share: float = 0.07,
                    oneway_share: float = 0.02, parallel_share: float = 0.01, arterial_every: int = 10,
                    diagonal_every: int = 45) -> dict:
    """The synthetic graph as arrays (``side``² nodes; the default 360² = 129,600); see :func:`generate`.

    Returns node ids, lon, lat and the directed edges ``u``, ``v`` (node ids), ``length`` (m), ``highway``,
    ``oneway`` and the parallel edges ``par_u``, ``par_v``, ``par_length`` (a longer ``service`` road).
    """
    rng = np.random.default_rng(seed)
    m_per_deg_lat = np.pi * EARTH_RADIUS_M / 180
    m_per_deg_lon = m_per_deg_lat * np.cos(np.deg2rad(CENTRE_LAT))
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    jitter = rng.uniform(-spacing_m / 4, spacing_m / 4, size=(2, side, side))
    east = (jj - side / 2) * spacing_m + jitter[0]
    north = (ii - side / 2) * spacing_m + jitter[1]
    lon = CENTRE_LON + east / m_per_deg_lon
    lat = CENTRE_LAT + north / m_per_deg_lat
    node_id = (ii * side + jj + 1).astype(np.int64)  # osmnx node ids are positive integers

    def street_class(index: np.ndarray) -> np.ndarray:
        cls = np.full(index.shape, "residential", dtype=object)
        art = index % arterial_every == 0
        cls[art] = "secondary"
        cls[art & (index % (3 * arterial_every) == 0)] = "primary"
        return cls

    # Grid streets: east-west (along a row) and north-south (along a column), as undirected pairs.
    ew_a, ew_b = node_id[:, :-1].ravel(), node_id[:, 1:].ravel()
    ns_a, ns_b = node_id[:-1, :].ravel(), node_id[1:, :].ravel()
    a = np.concatenate([ew_a, ns_a])
    b = np.concatenate([ew_b, ns_b])
    hw = np.concatenate([street_class(ii[:, :-1].ravel()), street_class(jj[:-1, :].ravel())])
    # Remove some residential streets (arterials stay continuous, as real ones do).
    residential = hw == "residential"
    drop = residential & (rng.random(len(a)) < removed_share / max(residential.mean(), 1e-9))
    a, b, hw = a[~drop], b[~drop], hw[~drop]

    # Diagonal trunk arterials: node (i, j) -> (i+1, j+1) along every diagonal_every-th diagonal, both ways.
    diag_a, diag_b = [], []
    for offset in range(-side + diagonal_every, side, diagonal_every):
        i = np.arange(max(0, -offset), min(side, side - offset) - 1)
        diag_a.append(node_id[i, i + offset])
        diag_b.append(node_id[i + 1, i + 1 + offset])
        # The mirrored diagonal (i, side-1-j), so arterials cross.
        diag_a.append(node_id[i, side - 1 - (i + offset)])
        diag_b.append(node_id[i + 1, side - 1 - (i + 1 + offset)])
    da, db = np.concatenate(diag_a), np.concatenate(diag_b)
    a = np.concatenate([a, da])
    b = np.concatenate([b, db])
    hw = np.concatenate([hw, np.full(len(da), "trunk", dtype=object)])

    # Directed edges: both directions, except one-way residential streets (one direction, chosen at random).
    oneway = (hw == "residential") & (rng.random(len(a)) < oneway_share)
    flip = rng.random(len(a)) < 0.5
    fwd_u, fwd_v = np.where(flip, b, a), np.where(flip, a, b)
    u = np.concatenate([fwd_u, fwd_v[~oneway]])
    v = np.concatenate([fwd_v, fwd_u[~oneway]])
    hw_dir = np.concatenate([hw, hw[~oneway]])
    ow_dir = np.concatenate([oneway, np.zeros((~oneway).sum(), dtype=bool)])

    flat_lon, flat_lat = lon.ravel(), lat.ravel()
    length = great_circle_m(flat_lat[u - 1], flat_lon[u - 1], flat_lat[v - 1], flat_lon[v - 1])
    # Parallel edges: a longer service road between the same two nodes (osmnx keeps them as key 1).
    par = rng.random(len(u)) < parallel_share
    par_len = length[par] * rng.uniform(1.05, 1.6, par.sum())
    return {"node_id": node_id.ravel(), "lon": flat_lon, "lat": flat_lat, "u": u, "v": v, "length": length,
            "highway": hw_dir, "oneway": ow_dir, "par_u": u[par], "par_v": v[par], "par_length": par_len}


def generate(side: int = 360, **kwargs) -> nx.MultiDiGraph:
    """Generate the synthetic graph as an osmnx-style ``MultiDiGraph`` (``side``² nodes; the default 360² =
    129,600).

    Parameters (passed to :func:`generate_arrays`)
    ----------
    side
        Nodes per grid row and column.
    spacing_m
        Grid spacing; node positions are jittered by up to a quarter of it.
    removed_share, oneway_share, parallel_share
        Shares of grid streets removed, made one-way, and doubled by a longer parallel edge.
    arterial_every
        Every n-th row/column is ``secondary`` (every 3rd of those ``primary``).
    diagonal_every
        Distance in rows between diagonal ``trunk`` arterials (both diagonal directions).
    """
    g = generate_arrays(side, **kwargs)
    G = nx.MultiDiGraph(crs="epsg:4326", created_with="supplychain benchmarks/synthetic_graph.py",
                        name="synthetic road-like graph (NOT real data)")
    G.add_nodes_from((int(n), {"x": float(x), "y": float(y), "street_count": 4})
                     for n, x, y in zip(g["node_id"], g["lon"], g["lat"]))
    G.add_edges_from((int(p), int(q), 0, {"length": float(d), "highway": h, "oneway": bool(o), "reversed": False})
                     for p, q, d, h, o in zip(g["u"], g["v"], g["length"], g["highway"], g["oneway"]))
    G.add_edges_from((int(p), int(q), 1, {"length": float(d), "highway": "service", "oneway": False,
                                          "reversed": False})
                     for p, q, d in zip(g["par_u"], g["par_v"], g["par_length"]))
    return G


def network(side: int = 360, seed: int = 7):
    """The synthetic graph as a loaded product :class:`~supplychain.network.Network`, built from the arrays
    with no networkx graph (for 10^6 nodes): osmnx's default speeds per class, parallel edges collapsed, the
    largest strongly connected component, circuity calibrated. Held in memory, nothing saved."""
    from scipy.sparse.csgraph import connected_components

    from supplychain import engine
    from supplychain.network import DEFAULT_SPEEDS_KPH, FALLBACK_SPEED_KPH, Network, _meta, add_metric

    g = generate_arrays(side, seed=seed)
    u = np.concatenate([g["u"], g["par_u"]]) - 1
    v = np.concatenate([g["v"], g["par_v"]]) - 1
    length = np.concatenate([g["length"], g["par_length"]])
    hw = np.concatenate([g["highway"], np.full(len(g["par_u"]), "service", dtype=object)])
    speed = np.array([float(DEFAULT_SPEEDS_KPH.get(h, FALLBACK_SPEED_KPH)) for h in hw]) / 3.6
    n = len(g["node_id"])
    full = engine.build_graph(n, u, v, length, length / speed)
    _, label = connected_components(full.length, directed=True, connection="strong")
    keep = np.flatnonzero(label == np.bincount(label).argmax())
    sub_len = full.length[keep][:, keep].tocsr()
    sub_time = full.time[keep][:, keep].tocsr()
    sub_len.sort_indices()
    sub_time.sort_indices()
    arrays = {"osmid": g["node_id"][keep], "lon": g["lon"][keep], "lat": g["lat"][keep],
              "indptr": sub_len.indptr.astype(np.int64), "indices": sub_len.indices.astype(np.int64),
              "length_m": sub_len.data.astype(np.float64), "time_s": sub_time.data.astype(np.float64)}
    add_metric(arrays)
    meta = _meta(arrays, SOURCE_LABEL, "synthetic", reader="osmium")
    meta["synthetic"] = True
    meta["note"] = "SYNTHETIC benchmark graph generated by benchmarks/synthetic_graph.py; not real roads"
    graph = engine.from_csr_arrays(len(keep), arrays["indptr"], arrays["indices"], arrays["length_m"],
                                   arrays["time_s"])
    return Network(arrays, meta, graph)


def build_data_dir(data_dir: str | Path, G: nx.MultiDiGraph | None = None, **kwargs) -> dict:
    """Generate (unless given), convert through the product's ``network.build_arrays`` and save the cache.

    Returns timings (s) and sizes, labelled synthetic.
    """
    from supplychain import network

    t0 = time.perf_counter()
    if G is None:
        G = generate(**kwargs)
    t1 = time.perf_counter()
    arrays = network.build_arrays(G)
    t2 = time.perf_counter()
    meta = network._meta(arrays, SOURCE_LABEL, "synthetic")
    meta["synthetic"] = True
    meta["note"] = "SYNTHETIC benchmark graph generated by benchmarks/synthetic_graph.py; not real roads"
    network.save(data_dir, arrays, meta)
    t3 = time.perf_counter()
    return {"generate_s": t1 - t0, "build_arrays_s": t2 - t1, "save_s": t3 - t2,
            "nodes_generated": G.number_of_nodes(), "edges_generated": G.number_of_edges(),
            "nodes": int(len(arrays["osmid"])), "edges": int(len(arrays["indices"]))}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Generate the SYNTHETIC benchmark network into a data dir")
    p.add_argument("data_dir")
    p.add_argument("--side", type=int, default=360)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    info = build_data_dir(args.data_dir, side=args.side, seed=args.seed)
    print(f"synthetic network written to {args.data_dir}: {info}")


if __name__ == "__main__":
    main()
