"""Chinese first in every page, as a person sees it: Debian's Chromium loads each page and reads its visible text.

The rule checked: every piece of visible text holding a Latin word belongs to a piece of the page that also
holds Chinese. "A piece" is the text's element — climbing out of inline wrappers without Chinese (``<span>``,
``<b>`` …), so the styled halves ``名称 <span class="en">Name</span>`` and a firm's English name under its Chinese
name count as one — up to the first element that is not such a wrapper (a label, button, heading, cell, list
item, option, paragraph …). An English-only label, button, heading or table header fails. Shown choices
(``<option>`` of a visible ``<select>``) are checked too.

Allowed without Chinese (a documented, small set of non-words): units (km, m, min, s, km/h, MB), file formats
(CSV, GeoJSON, XLSX, JSON, HTML, PDF, PNG), OSM / ODbL / WGS84, the map attribution "Leaflet | © OpenStreetMap contributors"
(its link "OpenStreetMap" too), ids (words joined by - or _ or holding digits), and single letters (k, R).

The test shows that it can fail: it adds an English-only label and heading to a loaded page and expects both
to be reported.
"""

from __future__ import annotations

import pytest

from .browser_support import open_map_page, serve_copy

pytestmark = pytest.mark.browser

PAGES = ["/", "/suppliers", "/sourcing", "/sites", "/route", "/registry", "/scenarios", "/sites#gaps"]

#: Returns the visible texts that hold a Latin word but no Chinese, each with the element it was judged in.
CHECK = r"""
() => {
  const CJK = /[\u3400-\u9fff]/;
  const NON_WORDS = [
    /©\s*OpenStreetMap contributors/g, /\bOpenStreetMap\b/g, /\bLeaflet\b/g, /\b(OSM|ODbL|WGS84|CSV|GeoJSON|XLSX|JSON|HTML|PDF|PNG)\b/g,
    /\b(km\/h|km|min|MB|m|s)\b/g,
    /\b[\w.]*(\d|[-_][A-Za-z0-9])[\w.-]*\b/g,   // ids: words joined by - or _, or holding digits
  ];
  const WORD = /[A-Za-z]{2,}/;
  const WRAPPERS = new Set(["SPAN", "B", "I", "EM", "STRONG", "SMALL", "CODE", "SUP", "SUB", "ABBR"]);
  function latinWords(text) {
    let t = text;
    NON_WORDS.forEach(function (re) { t = t.replace(re, " "); });
    return WORD.test(t);
  }
  function visible(el) {
    if (!el.getClientRects().length) { return false; }
    const st = getComputedStyle(el);
    return st.visibility !== "hidden" && st.opacity !== "0";
  }
  function unit(el) {
    while (el.parentElement && WRAPPERS.has(el.tagName) && !CJK.test(el.textContent)) { el = el.parentElement; }
    return el;
  }
  function describe(el) {
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ?
      "." + el.className.trim().split(/\s+/).join(".") : "");
  }
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const parent = node.parentElement;
    if (!parent || ["SCRIPT", "STYLE", "OPTION", "NOSCRIPT", "TEMPLATE"].indexOf(parent.tagName) >= 0) { continue; }
    if (!latinWords(node.textContent) || !visible(parent)) { continue; }
    const u = unit(parent);
    if (latinWords(u.textContent) && !CJK.test(u.textContent)) { bad.push(describe(u) + ": " + u.textContent.trim().slice(0, 120)); }
  }
  document.querySelectorAll("select").forEach(function (sel) {
    if (!visible(sel)) { return; }
    Array.prototype.forEach.call(sel.options, function (o) {
      if (latinWords(o.textContent) && !CJK.test(o.textContent)) { bad.push("option in " + describe(sel) + ": " + o.textContent.trim()); }
    });
  });
  return Array.from(new Set(bad));
}
"""


@pytest.fixture(scope="module")
def live_url(sip_cache, tmp_path_factory):
    yield from serve_copy(sip_cache, tmp_path_factory, "i18n-browser")


def load(page, url: str) -> None:
    open_map_page(page, url)
    page.wait_for_timeout(300)  # the page scripts' first render (weights, candidate lists, route summary)


@pytest.mark.parametrize("path", PAGES)
def test_every_visible_text_is_chinese_first(page, live_url, path):
    load(page, live_url + path)
    if path == "/route":
        page.wait_for_function("window.SC_ROUTE && window.SC_ROUTE.renders > 0")
    if path == "/sites#gaps":  # the 补链 tab: its answer rendered
        page.wait_for_function("document.body.dataset.gapsDone", timeout=120_000)
    bad = page.evaluate(CHECK)
    assert bad == [], f"{path}: English without Chinese:\n" + "\n".join(bad)
    page.recorder.check()


def test_the_check_fails_on_an_english_only_label(page, live_url):
    load(page, live_url + "/suppliers")
    assert page.evaluate(CHECK) == []
    page.evaluate("""() => {
      const form = document.getElementById('query-form');
      form.insertAdjacentHTML('afterbegin', '<label for="lon">Origin longitude</label>');
      document.getElementById('panel').insertAdjacentHTML('beforeend',
        '<h2>Results <span class="sc-muted">by road</span></h2><table class="sc-table"><tr><th>Rank<span class="en">order</span></th></tr></table>');
    }""")
    bad = page.evaluate(CHECK)
    assert any("Origin longitude" in b for b in bad), bad
    assert any("Results" in b for b in bad) and any("Rank" in b for b in bad), bad
    assert len(bad) == 3, bad


def test_scenarios_with_a_comparison_is_chinese_first(page, live_url):
    """/scenarios with a scenario chosen: its edits, the comparison tables and the report links."""
    from .browser_support import login

    login(page, live_url)
    load(page, live_url + "/scenarios")
    assert not page.locator("#report-actions").is_visible()  # no scenario chosen: no report links
    cat = page.evaluate("JSON.parse(document.getElementById('page-data').textContent).component_categories[0]")
    made = page.evaluate("""(cat) => SC.send('PUT', '/api/scenarios/i18n-check', {edits: [
        {op: 'add', name_zh: '假设减速器厂', categories: [cat], lon: 120.765, lat: 31.330, precision: 'exact'},
        {op: 'remove', id: 'zelos'},
        {op: 'move', id: 'elite-robots', lon: 120.70, lat: 31.30, precision: 'exact'}]}).then(r => r.ok)""", cat)
    assert made
    load(page, live_url + "/scenarios?name=i18n-check")
    page.wait_for_function("window.SC_SCEN && window.SC_SCEN.compares > 0", timeout=120_000)
    assert page.locator("#cmp-makers tr.diff").count() > 0 and page.locator("#report-actions").is_visible()
    assert page.locator("#report-scenario-pdf").get_attribute("href") == "/report/scenario.pdf?scenario=i18n-check&radius_km=10"
    page.fill("#radius", "7.5")  # the links follow the radius
    href = page.locator("#report-scenario-html").get_attribute("href")
    assert href == "/report/scenario.html?scenario=i18n-check&radius_km=7.5"
    report = page.request.get(live_url + href)
    assert report.ok and "i18n-check" in report.text()
    bad = page.evaluate(CHECK)
    assert bad == [], "/scenarios (compared): English without Chinese:\n" + "\n".join(bad)
    page.recorder.check()
