"""Chinese first in the command line and the library's messages (issue 14, item 1).

Every help text of every parser (argparse's own words included) and every error line starts with Chinese; the
library's InputErrors keep their field; category, kind and robot-type names are accepted in Chinese.
"""

from __future__ import annotations

import argparse
import json
import re

import pytest

from supplychain import reach, registry, route, siting, taxonomy
from supplychain.cli import build_parser, main
from supplychain.errors import InputError, parse_float, parse_int
from supplychain.messages import catalog
from supplychain.workspace import Workspace

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def chinese_first(text: str) -> bool:
    """Some Chinese, and before any Latin letter."""
    han, latin = CJK.search(text), LATIN.search(text)
    return han is not None and (latin is None or han.start() < latin.start())


def walk(parser: argparse.ArgumentParser, path: str = "supplychain"):
    """(where, parser) for the parser and every sub-parser below it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from walk(sub, f"{path} {name}")


def help_texts():
    """(where, text) for every description, sub-command help and argument help of the command line."""
    for where, parser in walk(build_parser()):
        if parser.description:
            yield f"{where}: description", parser.description
        for action in parser._actions:
            if action.help == argparse.SUPPRESS:
                continue
            name = "/".join(action.option_strings) or action.dest
            yield f"{where} {name}", action.help
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    yield f"{where} {choice.dest}", choice.help


def test_every_help_text_starts_with_chinese():
    texts = list(help_texts())
    assert len(texts) > 150  # every group's parsers were walked, not only the top one
    bad = [f"{where}: {text!r}" for where, text in texts if not text or not chinese_first(text)]
    assert not bad, "\n".join(bad)


def test_every_parser_formats_its_help_with_argparse_words_in_chinese():
    for where, parser in walk(build_parser()):
        text = parser.format_help()  # argparse expands %-placeholders in every help text: none may break it
        assert text.startswith("用法： usage: "), where
        assert "显示此帮助并退出 show this help message and exit" in text, where


@pytest.mark.parametrize("argv", [["--help"], ["sites", "optimize", "--help"], ["route", "design", "--help"]])
def test_formatted_help_is_chinese_first_argparse_words_included(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法： usage: ")
    assert "选项 options:" in out and "显示此帮助并退出 show this help message and exit" in out


def one_error_line(capsys, argv) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors exit from inside parse_args
        code = exc.code
    out, err = capsys.readouterr()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    return code, lines[0]


@pytest.mark.parametrize("argv,code,words", [
    (["query", "suppliers", "--lon", "120.62", "--lat", "31.26", "--radius-km", "-5"], 2,
     ["参数 radius_km 须在 0.1 到 50 之间", "radius_km must be between 0.1 and 50"]),
    (["query", "suppliers", "--lon", "120.62", "--lat", "31.26", "--category", "不存在"], 2,
     ["未知类别", "unknown category", "减速器"]),
    (["sites", "optimize"], 2, ["缺少必填参数", "the following arguments are required: --k"]),
    (["query", "suppliers", "--radius", "10"], 2, ["无法识别的参数", "unrecognized arguments: --radius"]),
    (["query", "suppliers", "--format", "xml"], 2, ["无效选项", "invalid choice: 'xml'"]),
    (["sites", "optimize", "--k"], 2, ["需要一个值", "expected one argument"]),
    (["entities", "list", "--kind", "工厂"], 2, ["未知主体类型", "unknown kind"]),
])
def test_cli_errors_are_one_line_chinese_first(capsys, tmp_path, argv, code, words):
    got, line = one_error_line(capsys, ["--init", "--data-dir", str(tmp_path / "d"), *argv])
    assert got == code
    assert chinese_first(line), line
    for w in words:
        assert w in line, line


def test_a_missing_data_dir_is_one_line_chinese_first(capsys, tmp_path):
    code, line = one_error_line(capsys, ["--data-dir", str(tmp_path / "nope"), "entities", "list"])
    assert code == 2 and chinese_first(line) and "数据目录不存在" in line and "--init" in line
    assert not (tmp_path / "nope").exists()


# -- library messages -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return Workspace.open(str(tmp_path_factory.mktemp("i18n") / "d"), with_network=False)


@pytest.mark.parametrize("call,field", [
    (lambda ws: parse_float("abc", "radius_km"), "radius_km"),
    (lambda ws: parse_float("-5", "radius_km", 0.1, 50), "radius_km"),
    (lambda ws: parse_int("2.5", "k"), "k"),
    (lambda ws: reach.check_category("不存在"), "category"),
    (lambda ws: route.check_route_id("no spaces allowed"), "route_id"),
    (lambda ws: ws.check_point(0.0, 0.0), "lon"),
    (lambda ws: ws.entity("nobody"), "entity"),
    (lambda ws: siting.parse_normalisation("bogus"), "normalization"),
])
def test_library_input_errors_are_chinese_first_and_keep_the_field(ws, call, field):
    with pytest.raises(InputError) as exc:
        call(ws)
    assert exc.value.field == field
    assert chinese_first(exc.value.message), exc.value.message
    assert exc.value.to_dict()["error"]["message"] == exc.value.message


def test_registry_reasons_name_file_line_and_column_in_both_languages(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name_zh,kind,categories,lon,lat,precision,source\n"
                   "t1,测试,工厂,motor,120.6,31.3,exact,unit test\n", encoding="utf-8")
    with pytest.raises(registry.RegistryError) as exc:
        registry.validate_file(bad)
    (err,) = exc.value.errors
    assert err.line == 2 and err.column == "kind"
    assert chinese_first(err.reason) and "未知主体类型" in err.reason and "unknown kind" in err.reason
    assert f"bad.csv:2: 列 column 'kind' {err.reason}" in str(err)


def test_route_statements_and_sourcing_notes_are_chinese_first(sip_ws):
    a = route.analyse(sip_ws, route.DEFAULT_ROUTE)
    assert a["known"] and a["unknown"]
    for line in a["known"] + a["unknown"]:
        assert chinese_first(line), line
    from supplychain import sourcing
    s = sourcing.sourcing_check(sip_ws)["summary"]
    assert chinese_first(s["registry_note"])
    assert s["caveat"] is None or chinese_first(s["caveat"])


# -- Chinese names wherever an id is accepted -------------------------------------------------------------

def test_chinese_names_resolve_for_every_table():
    for table in (taxonomy.CATEGORIES, taxonomy.KINDS, taxonomy.ROBOT_TYPES):
        for key, label in table.items():
            assert taxonomy.resolve(label.zh, table) == key
            assert taxonomy.resolve(label.zh.split("（")[0], table) == key


def test_library_filters_take_chinese_names(ws):
    by_id = ws.entities_of(category="reducer", kind="firm")
    assert by_id  # the seed registry has reducer firms
    assert [e.id for e in ws.entities_of(category="减速器", kind="企业")] == [e.id for e in by_id]
    assert siting.parse_bom("人形机器人")[0] == "humanoid"


def test_cli_list_takes_chinese_kind_and_category(capsys, tmp_path):
    d = ["--init", "--data-dir", str(tmp_path / "d")]
    assert main([*d, "entities", "list", "--kind", "firm", "--category", "reducer", "--format", "json"]) == 0
    by_id = json.loads(capsys.readouterr().out)
    assert main([*d, "entities", "list", "--kind", "企业", "--category", "减速器", "--format", "json"]) == 0
    by_zh = json.loads(capsys.readouterr().out)
    assert by_id and by_zh == by_id


def test_argparse_words_are_in_the_catalog():
    from supplychain.cli.common import ARGPARSE_MESSAGES

    cat = catalog()
    assert all(CJK.search(cat.get(m, "")) for m in ARGPARSE_MESSAGES)
    # the %-placeholders survive translation, so argparse can fill both halves
    pct = re.compile(r"%(?:\(\w+\))?[sr]")
    assert all(sorted(pct.findall(m)) == sorted(pct.findall(cat[m])) for m in ARGPARSE_MESSAGES)
