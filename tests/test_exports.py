"""Safe exports (issue 11, item 4): every CSV and XLSX path neutralises formula-like strings and keeps numbers.

Each path is fed registry names (or candidate names) that a spreadsheet would run as formulas, and its output is
read back with the csv module and openpyxl, independently of the product's writer.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from supplychain import registry, siteio, siting, tabular
from supplychain.workspace import SEED_REGISTRY, Workspace

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
#: Names are stripped of surrounding whitespace on input, so "\tx" and "\rx" reach no export as given.
KEPT = [p for p in PAYLOADS if p == p.strip()]


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory) -> Path:
    """A data dir (no network) whose registry names and notes are all formula payloads."""
    d = tmp_path_factory.mktemp("hostile")
    with SEED_REGISTRY.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for i, r in enumerate(rows):
        r["name_zh"] = PAYLOADS[i % len(PAYLOADS)]
        r["name_en"] = PAYLOADS[(i + 1) % len(PAYLOADS)]
        r["note"] = PAYLOADS[(i + 2) % len(PAYLOADS)]
    src = d / "hostile.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    data = d / "data"
    ws = Workspace.open(data, with_network=False)
    registry.import_file(ws.store, src)
    ws.store.close()
    return data


def _check_csv_cells(rows: list[list[str]], must_contain: int = 1) -> int:
    """No cell starts a formula; every payload appears only behind a quote. Returns how many payloads were seen."""
    seen = 0
    for row in rows:
        for cell in row:
            assert not cell.startswith(DANGEROUS), f"live formula-like cell {cell!r}"
            if cell[:1] == "'" and cell[1:] in PAYLOADS:
                seen += 1
    assert seen >= must_contain
    return seen


def _check_xlsx(path_or_bytes, numeric_columns: tuple[str, ...] = ()) -> int:
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    wb = openpyxl.load_workbook(src)  # not data_only: a formula would show as data_type "f"
    seen = 0
    for sheet in wb.worksheets:
        header = [c.value for c in sheet[1]]
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(DANGEROUS), cell.value
                    seen += cell.value[:1] == "'" and cell.value[1:] in PAYLOADS
        for name in numeric_columns if sheet is wb.worksheets[0] else ():  # the data sheet, not "about"
            col = header.index(name)
            values = [r[col].value for r in sheet.iter_rows(min_row=2) if r[col].value not in (None, "")]
            assert values and all(isinstance(v, (int, float)) for v in values), (name, values[:3])
    assert seen >= 1
    return seen


# ----------------------------------------------------------------------------------------------------
# The rule itself

def test_the_cell_rule():
    for p in PAYLOADS:
        assert tabular.safe_cell(p) == "'" + p
        assert tabular.restore_cell(tabular.safe_cell(p)) == p
    for ok in ("苏州", "a=b", "'quoted already", "", " =lead space"):
        assert tabular.safe_cell(ok) == ok
    assert tabular.restore_cell("'plain") == "'plain"  # only our own prefix is taken off
    for number in (-5.2, -3, 0, 12.5):
        assert tabular.safe_cell(number) == number and type(tabular.safe_cell(number)) is type(number)


def test_xlsx_cells_are_strings_or_numbers_never_formulas(tmp_path):
    wb = openpyxl.Workbook()
    tabular.xlsx_append(wb.active, ["=1+1", -5.2, 7, "ok", "bad\x01char"])
    wb.save(tmp_path / "t.xlsx")
    cells = next(openpyxl.load_workbook(tmp_path / "t.xlsx").active.iter_rows())
    assert [c.data_type for c in cells] == ["s", "n", "n", "s", "s"]
    assert [c.value for c in cells] == ["'=1+1", -5.2, 7, "ok", "bad\ufffdchar"]


# ----------------------------------------------------------------------------------------------------
# Every export path

def test_registry_csv_and_xlsx_exports(hostile_dir, tmp_path):
    ws = Workspace.open(hostile_dir, with_network=False)
    # Registry import strips surrounding whitespace, so "\tx" and "\rx" are stored as "x".
    stored = sum(v in PAYLOADS for e in ws.entities for v in (e.name_zh, e.name_en, e.note))
    assert stored >= 2 * len(ws.entities)
    text = registry.export(ws.entities, "csv")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert _check_csv_cells(rows[1:]) == stored
    lon = rows[0].index("lon")
    assert all(float(r[lon]) for r in rows[1:] if r[lon])
    out = tmp_path / "reg.xlsx"
    registry.export(ws.entities, "xlsx", out)
    assert _check_xlsx(out, numeric_columns=("lon", "lat")) == stored


def test_registry_export_imports_back_unchanged(hostile_dir, tmp_path):
    ws = Workspace.open(hostile_dir, with_network=False)
    before = {e.id: (e.name_zh, e.name_en, e.note) for e in ws.entities}
    for fmt in ("csv", "xlsx"):
        f = tmp_path / f"reg.{fmt}"
        registry.export(ws.entities, fmt, f)
        back = {e.id: (e.name_zh, e.name_en, e.note) for e in registry.validate_file(f)}
        assert back == before


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "PATH": "/usr/bin:/bin", "HOME": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "supplychain.cli", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env=env, timeout=300)


def test_cli_entities_export_csv_and_xlsx(hostile_dir, tmp_path):
    r = _cli(hostile_dir, "entities", "export", "--format", "csv")
    assert r.returncode == 0, r.stderr
    _check_csv_cells(list(csv.reader(io.StringIO(r.stdout, newline="")))[1:], must_contain=20)
    out = tmp_path / "cli.xlsx"
    r = _cli(hostile_dir, "entities", "export", "--format", "xlsx", "-o", str(out))
    assert r.returncode == 0, r.stderr
    _check_xlsx(out, numeric_columns=("lon", "lat"))


def test_cli_sourcing_csv(hostile_dir):
    r = _cli(hostile_dir, "sourcing", "--radius-km", "50", "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout, newline="")))
    _check_csv_cells(rows[1:])
    verdict = rows[0].index("verdict")
    assert {r[verdict] for r in rows[1:]} <= {"within", "undetermined", "beyond"}


def test_site_evaluation_csv_and_xlsx(hostile_dir):
    ws = Workspace.open(hostile_dir, with_network=False)
    cands = [{"name": p, "lon": 120.60 + 0.01 * i, "lat": 31.27} for i, p in enumerate(PAYLOADS)]
    ans = siting.evaluate_sites(ws, cands)
    cols, rows = siteio.evaluation_table(ans)
    text = siteio.to_csv(cols, rows)
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert _check_csv_cells(back[1:]) >= len(KEPT)
    assert _check_xlsx(siteio.to_xlsx(ans), numeric_columns=("lon", "lat", "score")) >= len(KEPT)


def test_cli_sites_evaluate_output_files(hostile_dir, tmp_path):
    cand = tmp_path / "cands.csv"
    # Written as our own export would write them: behind the quote, which the reader takes off again.
    cand.write_text(tabular.csv_text(["name", "lon", "lat"], [[p, 120.6 + 0.01 * i, 31.27] for i, p in enumerate(KEPT)]),
                    encoding="utf-8")
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"eval.{suffix}"
        r = _cli(hostile_dir, "sites", "evaluate", "--candidates", str(cand), "--output", str(out))
        assert r.returncode == 0, r.stderr
        if suffix == "csv":
            rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
            # The candidates' names were read back from our own quoting rule, then neutralised again.
            assert _check_csv_cells(rows[1:]) == len(KEPT)
        else:
            _check_xlsx(out, numeric_columns=("lon", "lat"))


def test_webapp_supplier_and_sourcing_csv(hostile_dir):
    from webapp import create_app

    client = create_app(data_dir=hostile_dir, testing=True).test_client()
    for url in ("/api/suppliers.csv?entity=magiclab&radius_km=50", "/api/sourcing.csv?radius_km=50"):
        resp = client.get(url)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"), newline="")))
        assert len(rows) > 2
        _check_csv_cells(rows[1:])
