"""``supplychain network import|fetch|info``."""

from __future__ import annotations

from pathlib import Path

from .. import basemap, network, reach, studyarea
from ..messages import N_, _
from ..store import resolve_data_dir
from ..workspace import Workspace
from .common import Progress, add_data_dir, add_format, print_json


def register(sub) -> None:
    p = sub.add_parser("network", help=_("import, fetch or describe the road network"))
    nsub = p.add_subparsers(dest="network_command", metavar="ACTION", required=True,
                           help=_("one of the actions below"))

    imp = nsub.add_parser("import", help=_("import a road network file (.osm.pbf, .osm, .osm.bz2, .graphml)"))
    imp.add_argument("path", help=_("OSM PBF (.osm.pbf), OSM XML (.osm, .osm.bz2, .osm.gz) or GraphML file"))
    imp.add_argument("--engine", choices=network.ENGINES, default="osmium",
                     help=_("reader: osmium (streaming, default) or osmnx (graph_from_xml, the reference; no clip)"))
    where = imp.add_mutually_exclusive_group()
    where.add_argument("--bbox", help=_("keep only W,S,E,N (WGS84 degrees) instead of the study area + buffer"))
    where.add_argument("--polygon", help=_("keep only inside this GeoJSON polygon (WGS84) instead of the study area"))
    where.add_argument("--no-clip", action="store_true", help=_("keep the whole file"))
    imp.add_argument("--buffer-km", type=float, default=None,
                     help=_("buffer around the study area boundary for the default clip (default: studyarea.json's, 10)"))
    imp.add_argument("--network-type", choices=network.roadtags.NETWORK_TYPES, default=None,
                     help=_("osmnx's filter to apply: drive (no service roads; default from geo/studyarea.json) "
                       "or drive_service"))
    imp.add_argument("--keep-all-nodes", action="store_true",
                     help=_("do not contract degree-2 chains (every OSM node of the kept ways stays a node)"))
    d = network.boundedread.Limits()
    env = network.boundedread.ENV
    imp.add_argument("--max-ratio", type=float, help=_("refuse compressed input expanding beyond this ratio "
                     "(default {ratio}:1, or ${env}; real OSM XML is about 10-20:1)", ratio=format(d.max_ratio, "g"), env=env["max_ratio"]))
    imp.add_argument("--max-bytes", type=int, help=_("refuse input larger than this decompressed "
                     "(default {n}, or ${env})", n=format(d.max_bytes, ","), env=env["max_bytes"]))
    imp.add_argument("--max-elements", type=int, help=_("refuse input with more OSM elements "
                     "(default {n}, or ${env})", n=format(d.max_elements, ","), env=env["max_elements"]))
    imp.add_argument("--min-nodes", type=int, help=_("refuse a result with fewer nodes, keeping the stored "
                     "network (default {n}, or ${env})", n=d.min_nodes, env=env["min_nodes"]))
    add_data_dir(imp)
    imp.set_defaults(func=cmd_import)

    fetch = nsub.add_parser("fetch", help=_("download the drive network of 吴中区 + buffer from OSM (needs internet)"))
    fetch.add_argument("--buffer-km", type=float, default=None, help=_("buffer around the boundary (default 10)"))
    fetch.add_argument("--boundary", help=_("boundary GeoJSON (default: geo/studyarea.json's boundary_files)"))
    fetch.add_argument("--overpass-url", help=_("Overpass API endpoint (default: osmnx's)"))
    fetch.add_argument("--no-geocode", action="store_true",
                       help=_("never ask OSM's geocoder for the boundary (by default it is asked when no boundary file exists)"))
    fetch.add_argument("--nominatim-url", help=_("OSM geocoder endpoint for the boundary (default: osmnx's)"))
    add_data_dir(fetch)
    fetch.set_defaults(func=cmd_fetch)

    info = nsub.add_parser("info", help=_("describe the loaded network and how entities snap to it"))
    add_format(info)
    add_data_dir(info)
    info.set_defaults(func=cmd_info)


def _report(net: network.Network) -> None:
    m = net.meta
    cal = m.get("circuity", {})
    print(_("network: {nodes} nodes, {edges} edges  (source: {source})", nodes=format(m["nodes"], ","),
            edges=format(m["edges"], ","), source=m["source"]))
    print(_("bbox: {bbox}  (lon/lat WGS84; lengths in metres, {crs} for snapping)",
            bbox=", ".join(f"{v:.5f}" for v in m["bbox"]), crs=m["crs"]))
    if cal:
        print(_("circuity (road / straight line): median {f}, p10–p90 {p10}–{p90} over {pairs} node pairs; typical "
                "drive speed {v} km/h", f=cal["factor"], p10=cal.get("p10"), p90=cal.get("p90"), pairs=cal["pairs"],
                v=cal.get("speed_kph")))
    if m.get("reader") == "osmium":
        msg = (N_("read with pyosmium: {type} ways, clip: {clip}, degree-2 chains contracted; {names} way names, "
                  "{water} water polygons kept") if m.get("contracted") else
               N_("read with pyosmium: {type} ways, clip: {clip}, every node kept; {names} way names, {water} water "
                  "polygons kept"))
        print(_(msg, type=m.get("network_type"), clip=m.get("clip"), names=format(m.get("way_names", 0), ","),
                water=format(m.get("water_polygons", 0), ",")))
    print(m.get("attribution", ""))


def cmd_import(args) -> int:
    data_dir = resolve_data_dir(args.data_dir)
    limits = network.boundedread.Limits.from_env(max_ratio=args.max_ratio, max_bytes=args.max_bytes,
                                                 max_elements=args.max_elements, min_nodes=args.min_nodes)
    progress = Progress()
    clip = None if args.engine == "osmnx" else _clip(args, progress)
    net = network.import_file(data_dir, args.path, progress=progress, limits=limits, engine_name=args.engine,
                              clip=clip, network_type=args.network_type, contract=not args.keep_all_nodes)
    _report(net)
    ws = Workspace.open(data_dir)
    _snap_summary(ws)
    build_basemap(ws, progress)
    return 0


def _clip(args, progress):
    """The clip of ``network import``: --bbox, --polygon, --no-clip, else the study area plus its buffer."""
    from ..errors import NetworkError
    from ..osmread import Clip

    if args.no_clip:
        return Clip()
    if args.bbox:
        try:
            w, s, e, n = (float(v) for v in args.bbox.split(","))
        except ValueError:
            raise NetworkError(_("--bbox expects W,S,E,N in degrees, got {bbox}", bbox=repr(args.bbox))) from None
        if not (w < e and s < n):
            raise NetworkError(_("--bbox is empty: {bbox} (need W < E and S < N)", bbox=repr(args.bbox)))
        return Clip(bbox=(w, s, e, n), label=f"bbox {args.bbox}")
    if args.polygon:
        try:
            polygon = studyarea.read_boundary_file(Path(args.polygon))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise NetworkError(_("could not read --polygon {path}: {exc}", path=args.polygon, exc=exc)) from None
        return Clip(polygon=polygon, label=f"polygon {args.polygon}")
    area = studyarea.try_load()
    if area is None:
        progress("no study area boundary file: keeping the whole file (use --bbox or --polygon to clip)")
        return Clip()
    km = area.buffer_km if args.buffer_km is None else args.buffer_km
    return Clip(polygon=area.buffered(km), label=f"study area {area.definition.get('id', '')} + {km:g} km")


def cmd_fetch(args) -> int:
    data_dir = resolve_data_dir(args.data_dir)
    progress = Progress()
    area = studyarea.load(boundary_file=args.boundary, allow_geocode=not args.no_geocode,
                          nominatim_url=args.nominatim_url)
    progress(f"study area boundary: {area.boundary_source}")
    net = network.fetch(data_dir, area, args.buffer_km, args.overpass_url, progress)
    _report(net)
    ws = Workspace.open(data_dir)
    _snap_summary(ws)
    build_basemap(ws, progress)
    return 0


def build_basemap(ws: Workspace, progress=None) -> None:
    """Rebuild the offline basemap after the data it is drawn from changed (one line of report).

    A failure is reported and leaves the previous basemap live; the import itself has succeeded.
    """
    try:
        bm = basemap.ensure(ws.data_dir, ws.store, ws.network, ws.study_area, progress)
    except Exception as exc:  # noqa: BLE001  (the import is done; the web app retries the basemap)
        print(_("The offline basemap was not rebuilt: {error}", error=f"{type(exc).__name__}: {exc}"))
        return
    if bm is not None:
        c = bm.meta["counts"]
        print(_("Offline basemap: {tiles} vector tiles (zoom {minz}–{maxz}), {roads} road lines, {labels} labels",
                tiles=f"{bm.meta['tiles_stored']:,}", minz=bm.meta["minzoom"], maxz=bm.meta["maxzoom"],
                roads=f"{c['roads']:,}", labels=f"{c['labels']:,}"))


def _snap_summary(ws: Workspace) -> None:
    snaps = ws.snapping
    on = [k for k, v in snaps.items() if v[2]]
    print(_("entities: {n} in the registry, {located} located, {on} within {m} m of the network; the other {off} use "
            "estimated distances", n=len(ws.entities), located=len(snaps), on=len(on), m=format(ws.snap_limit_m, "g"),
            off=len(snaps) - len(on)))


def cmd_info(args) -> int:
    ws = Workspace.open(args.data_dir)
    if args.format == "json":
        reach.supplier_table(ws)
        data = ws.health()
        data["network_meta"] = ws.network.meta if ws.network else None
        data["snapping"] = {k: {"node": v[0], "snap_m": round(v[1], 1) if v[1] == v[1] else None,
                                "on_network": v[2]} for k, v in ws.snapping.items()}
        print_json(data)
        return 0
    if ws.network is None:
        print(_("no network loaded in {path}: distances are estimated (straight line × {factor}). Import one with "
                "`supplychain network import PATH`.", path=ws.data_dir, factor=ws.estimator.factor))
        return 0
    _report(ws.network)
    _snap_summary(ws)
    _table_summary(ws)
    return 0


def _table_summary(ws: Workspace) -> None:
    """Build the suppliers' distance table (as the first supplier query would) and say what it costs."""
    reach.supplier_table(ws)
    t = ws.table_summary()
    if t["built"]:
        print(_("distance table: {sources} suppliers' nodes, balls of {radius} km, {entries} entries, {mib} MiB, "
                "built in {seconds} s", sources=f"{t['sources']:,}", radius=f"{t['radius_m'][1] / 1000:.2f}",
                entries=f"{t['entries']:,}", mib=f"{t['mib']:.1f}", seconds=f"{t['build_s']:.2f}"))
    else:
        print(_("distance table: none ({reason}); supplier queries search the roads", reason=t["reason"]))
