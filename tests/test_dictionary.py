"""The data dictionary tells a reader what they can count on: a column marked required is never empty
in the release (source_id in every fact table among them), each cross-field rule is said once in
plain words (never as the curator's message), and a diagram shows every table and key: Mermaid in
the Markdown, an SVG in the release, drawn the same for the same registry, with no box over another
and every name inside its box as Chromium draws it."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pyarrow.parquet as pq
import yaml
from conftest import ROOT

from pipeline.registry.diagram import svg
from pipeline.registry.dictionary import SCHEMA_SVG, never_empty
from pipeline.registry.model import registry

REG = registry()
SVG = "{http://www.w3.org/2000/svg}"


def _sections(release: Path) -> dict[str, str]:
    text = (release / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    return {m.group(1): m.group(2) for m in re.finditer(r"^## (\w+)\n(.*?)(?=^## |\Z)", text, re.DOTALL | re.MULTILINE)}


def _required(section: str) -> dict[str, bool]:
    """column -> what the dictionary says of `required`."""
    return {m.group(1): m.group(2) == "yes" for m in re.finditer(r"^\| `(\w+)` \| \w+ \| (yes|no) \|", section, re.MULTILINE)}


def test_a_column_marked_required_is_never_empty_in_the_release(release):
    sections = _sections(release)
    for table in REG.tables.values():
        said = _required(sections[table.name])
        assert list(said) == table.columns, table.name
        data = pq.read_table(release / "parquet" / f"{table.name}.parquet")
        for column, required in said.items():
            if required:
                assert data.column(column).null_count == 0, f"{table.name}.{column} is marked required but has nulls"
        assert {f.name for f in table.fields if f.required} <= {c for c, r in said.items() if r}, table.name


def test_source_id_is_required_in_every_fact_table_and_an_optional_column_is_not(release):
    sections = _sections(release)
    for table in REG.fact_tables():
        said = _required(sections[table.name])
        assert said["source_id"] and said["lang"], table.name
        assert not said["restates"] and not said["translation_note"], table.name
    assert not _required(sections["salaries"])["amount_min"]  # null where the lower side is open


def test_required_follows_what_the_pipeline_guarantees_not_what_a_release_happens_to_hold():
    for table in REG.tables.values():
        guaranteed = never_empty(REG, table)
        assert set(table.primary_key) <= guaranteed
        for f in table.fields:
            assert (f.name in guaranteed) == (f.required or (f.origin == "source" and not table.sidecar
                                                             and REG.sidecar_table().field(f.name).required)), (table.name, f.name)
    # duty_id is never null in duty_mentions today, but nothing requires a mention to name a duty
    assert "duty_id" not in never_empty(REG, REG.tables["duty_mentions"])


def _declared_rules() -> tuple[int, dict[str, int]]:
    doc = yaml.safe_load((ROOT / "schemas" / "tables.yaml").read_text(encoding="utf-8"))
    return len(doc.get("fact_rules") or []), {name: len(spec.get("rules") or []) for name, spec in doc["tables"].items()}


def test_each_rule_is_said_once_in_plain_words_never_as_the_curators_message(release):
    text = (release / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    for rule in {r for t in REG.tables.values() for r in t.rules}:
        assert rule.message not in text, rule.message
    fact_rules, declared = _declared_rules()
    intro = text.split("| table | rows |", 1)[0]
    assert len(re.findall(r"^- ", intro.split("Every fact table also holds these rules:", 1)[1], re.MULTILINE)) == fact_rules
    for name, section in _sections(release).items():
        if name not in REG.tables:
            continue
        listed = re.findall(r"^- (.*)$", section.split("Rules", 1)[1] if "Rules" in section else "", re.MULTILINE)
        assert len(listed) == len(set(listed)) == declared[name], (name, listed)
    assert "- `level_id` and `level_basis` are given together, or neither." in _sections(release)["titles"]
    assert "- `amount_min` ≤ `amount_max` where both are given." in _sections(release)["salaries"]
    assert "- Where `translation` is `unknown`, `translation_basis` is empty." in _sections(release)["sources"]


def _mermaid(release: Path) -> str:
    text = (release / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    return re.search(r"```mermaid\n(erDiagram\n.*?)```", text, re.DOTALL).group(1)


def test_the_mermaid_diagram_has_every_table_every_key_and_every_foreign_key(release):
    diagram = _mermaid(release)
    for table in REG.tables.values():
        block = re.search(rf"^    {table.name} \{{\n(.*?)^    \}}", diagram, re.DOTALL | re.MULTILINE)
        assert block, table.name
        keys = {m.group(1): m.group(2) for m in re.finditer(r"^        \w+ (\w+) (.+)$", block.group(1), re.MULTILINE)}
        assert {k for k, v in keys.items() if "PK" in v} == set(table.primary_key), table.name
        assert {k for k, v in keys.items() if "FK" in v} == {fk.field for fk in table.foreign_keys}, table.name
        required = never_empty(REG, table)
        for fk in table.foreign_keys:
            one = "||" if fk.field in required else "|o"
            assert f'    {fk.table} {one}--o{{ {table.name} : "{fk.field}"' in diagram, (table.name, fk.field)
    relations = re.findall(r"^    \w+ [|o]{2}--o\{ \w+ : ", diagram, re.MULTILINE)
    assert len(relations) == sum(len(t.foreign_keys) for t in REG.tables.values())


def test_the_svg_draws_every_table_and_foreign_key_the_same_way_each_time(release):
    data = (release / SCHEMA_SVG).read_bytes()
    assert data == svg(REG), "same registry, same bytes"
    root = ET.fromstring(data)
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("class") == "table"}
    assert set(groups) == {f"table-{name}" for name in REG.tables}
    for name, table in REG.tables.items():
        shown = "".join(t.text or "" for t in groups[f"table-{name}"].iter(f"{SVG}text"))
        assert name in shown and all(k in shown for k in table.primary_key), name
    lines = {p.find(f"{SVG}title").text for p in root.iter(f"{SVG}path") if p.find(f"{SVG}title") is not None}
    for table in REG.tables.values():
        for fk in table.foreign_keys:
            drawn = f"{table.name}.{fk.field} → {fk.table}.{fk.target}"
            assert any(line.startswith(drawn) for line in lines), drawn
    boxes = []
    for g in groups.values():
        r = g.find(f"{SVG}rect")
        boxes.append((g.get("id"), *(float(r.get(k)) for k in ("x", "y", "width", "height"))))
    for i, (a, ax, ay, aw, ah) in enumerate(boxes):
        for b, bx, by, bw, bh in boxes[i + 1:]:
            assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, f"{a} overlaps {b}"


def test_every_name_in_the_svg_fits_its_box_as_chromium_draws_it(release, browser):
    page = browser.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
    page.goto((release / SCHEMA_SVG).resolve().as_uri())
    outside = page.evaluate("""() => [...document.querySelectorAll('g.table')].flatMap(g => {
        const box = g.querySelector('rect').getBBox();
        return [...g.querySelectorAll('text')].filter(t => {
            const b = t.getBBox();
            return b.x < box.x || b.x + b.width > box.x + box.width || b.y < box.y || b.y + b.height > box.y + box.height;
        }).map(t => g.id + ': ' + t.textContent);
    })""")
    page.close()
    assert outside == []


def test_the_site_overview_links_the_diagram(release):
    page = (release / "site" / "index.html").read_text(encoding="utf-8")
    assert f'href="../{SCHEMA_SVG}"' in page
    assert (release / "site" / ".." / SCHEMA_SVG).resolve().is_file()
