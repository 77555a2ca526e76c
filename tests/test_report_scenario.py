"""The scenario report: a what-if scenario against the baseline, as sections a director can read.

The expectation is independent of the report code: a hypothetical reducer maker placed at an exact point whose
road distance to an exact maker is checked with networkx on the osmnx graph of the same file (< 10 km) must show
that maker's reducer as newly covered, flagged as changed, and no other maker flagged.
"""

from __future__ import annotations

import networkx as nx
import pytest

from supplychain import reports, scenariostore
from supplychain.cli import main
from supplychain.errors import InputError
from supplychain.messages import _, zh
from supplychain.workspace import Workspace

from .test_report import no_outside_url
from .test_scenarios import EAST, ELITE


@pytest.fixture
def scenario_ws(sip_dir, sip_graph_nx):
    ws = Workspace.open(sip_dir)
    e = ws.by_id[ELITE]
    a, _snap, on_a = ws.snap_point(e.lon, e.lat)
    b, _snap, on_b = ws.snap_point(*EAST)
    osmid = ws.network.arrays["osmid"]
    assert on_a and on_b
    assert nx.shortest_path_length(sip_graph_nx, int(osmid[a]), int(osmid[b]), weight="length") < 10_000
    scenariostore.save(ws, "reducer", [
        {"op": "move", "id": ELITE, "lon": e.lon, "lat": e.lat, "precision": "exact"},
        {"op": "add", "name_zh": "假设减速器厂", "categories": ["reducer"], "lon": EAST[0], "lat": EAST[1]}])
    return ws


def _section(report, title):
    return next(s for s in report.sections if s.title == title)


def test_scenario_report_shows_the_change(scenario_ws):
    rep = reports.build(scenario_ws, "scenario", reports.Params.parse(10, scenario="reducer"),
                        reports.Renderer(None, None))
    makers = _section(rep, _("Makers")).tables[0]
    flagged = [r for r in makers.rows if r[0] == "●"]
    assert len(flagged) == 1, flagged
    row = flagged[0]
    assert row[1] == scenario_ws.by_id[ELITE].name_zh and "减速器" in row[5] and row[6] == "–"
    edits = _section(rep, _("Edits")).text
    assert len(edits) == 2 and ELITE in edits[0] and "假设减速器厂" in edits[1]
    html = reports.to_html(rep)
    assert zh("Report: what-if scenario {name}", name="reducer") in html
    no_outside_url(html)


def test_scenario_report_needs_a_stored_name(scenario_ws):
    with pytest.raises(InputError) as exc:
        reports.build(scenario_ws, "scenario", reports.Params.parse(10), reports.Renderer(None, None))
    assert exc.value.field == "scenario"
    with pytest.raises(InputError) as exc:
        reports.build(scenario_ws, "scenario", reports.Params.parse(10, scenario="nope"), reports.Renderer(None, None))
    assert exc.value.status == 404


def test_sourcing_report_on_a_scenario_says_so(scenario_ws):
    base = reports.build(scenario_ws, "sourcing", reports.Params.parse(10), reports.Renderer(None, None))
    on = reports.build(scenario_ws, "sourcing", reports.Params.parse(10, scenario="reducer"),
                       reports.Renderer(None, None))
    assert "reducer" in on.title and "reducer" not in base.title
    assert zh("Made on the what-if scenario {name}: hypothetical entities and edits, not registry data.",
              name="reducer") in on.sections[0].text[0]
    rows = {r[0]: r for r in _section(on, _("Makers")).tables[0].rows}
    base_rows = {r[0]: r for r in _section(base, _("Makers")).tables[0].rows}
    name = scenario_ws.by_id[ELITE].name_zh
    assert "减速器" in rows[name][3] and "减速器" not in base_rows[name][3]  # covered column


def test_cli_scenario_report(scenario_ws, tmp_path, capsys):
    out = tmp_path / "scenario.html"
    assert main(["--data-dir", str(scenario_ws.data_dir), "report", "scenario", "--scenario", "reducer",
                 "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "假设减速器厂" in html and zh("Route catchments") in html
    no_outside_url(html)
    assert main(["--data-dir", str(scenario_ws.data_dir), "report", "scenario"]) == 2
    assert "scenario" in capsys.readouterr().err
