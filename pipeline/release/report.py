"""The validation report (validation/index.html): what was checked before the release was
published, said so that people can read it, as one self-contained page.

First the two checks people trust most, with the rows each covered: every quote found at its
offsets in its source's text, per fact table, and every foreign key naming a row, per table and
key. Then every expectation of the Great Expectations release gate, batch by batch, each as the
sentence that says it (its description, registry/sentences.py) with its verdict; the expectation's
name and arguments as GX ran them, long regular expressions included, are folded away beneath it.

It loads nothing from any other host (no scripts, fonts or styles from a CDN), so it reads the same
offline, from file://, years later; and it holds no run times or random ids, so the same release
gives the same bytes and the report is covered by SHA256SUMS like every other file.
"""
from __future__ import annotations

import html
import json
import re

from ..validation.gate import GateResult, Outcome
from ..validation.tables import Coverage

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#1d2330;background:#f7f8fa}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}header p{margin:6px 0 0;color:#c9d1e0}
main{padding:12px 28px 28px;max-width:1200px}h2{margin:26px 0 6px;font-size:19px}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0 18px}
th,td{border:1px solid #dde2ea;padding:5px 8px;text-align:left;vertical-align:top}th{background:#eef1f6}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tfoot td{font-weight:600;background:#f3f5f9}
.ok{color:#17663a;font-weight:600}.bad{color:#a4161a;font-weight:700}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.hint{color:#4a5468;margin:4px 0 8px;max-width:900px}
details.batch{background:#fff;border:1px solid #dde2ea;margin:0 0 10px;padding:6px 12px}
details.batch>summary{cursor:pointer;font-weight:600}
details.as-run{margin-top:3px}details.as-run>summary{cursor:pointer;color:#4a5468;font-size:13px}
details.as-run code{display:block;white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f5f9;padding:4px 6px;margin-top:3px}
td.result{width:7em}nav.toc a{margin-right:14px}table.quotes{width:auto;min-width:50%}
header .ok{color:#8ce3b0}header .bad{color:#ffb3b3}
"""


def _e(text) -> str:
    return html.escape(str(text))


def prose(sentence: str) -> str:
    """A sentence of the registry as HTML: `names` as code, the first letter capitalised."""
    sentence = sentence[:1].upper() + sentence[1:]
    parts = re.split(r"`([^`]*)`", sentence)
    return "".join(f"<code>{html.escape(p, quote=False)}</code>" if i % 2 else html.escape(p, quote=False)
                   for i, p in enumerate(parts))


def as_run(o: Outcome) -> str:
    """The expectation as Great Expectations ran it: its name and every argument, in full (every
    character outside ASCII escaped, so that a pattern's spaces and line separators show)."""
    args = ", ".join(f"{key}={json.dumps(value, sort_keys=True, default=str)}"
                     for key, value in o.kwargs.items())
    return f"{o.expectation}({args})"


def _verdict(ok: bool, text_ok: str = "holds", text_bad: str = "failed") -> str:
    return f'<span class="ok">{text_ok}</span>' if ok else f'<span class="bad">{text_bad}</span>'


def _quotes(coverage: Coverage) -> list[str]:
    total = sum(coverage.quotes.values())
    out = ['<section id="quotes"><h2>Every quote is found at its offsets</h2>',
           '<p class="hint">For every row of every fact table, the text of its source from <code>char_start</code> to '
           '<code>char_end</code> (code points, end excluded) is exactly its <code>quote</code>: '
           '<code>raw[char_start:char_end] == quote</code>. Checked as each mapping is verified, against the source '
           'text whose SHA-256 its sidecar records; a row whose quote is not there stops the build.</p>',
           '<table class="quotes"><thead><tr><th>fact table</th><th class="n">rows whose quote is found at its offsets</th>'
           '<th>result</th></tr></thead><tbody>']
    for name, found in coverage.quotes.items():
        out.append(f'<tr><td><a href="#{_e(name)}">{_e(name)}</a></td><td class="n">{found:,}</td><td>{_verdict(True, "every one")}</td></tr>')
    out.append(f'</tbody><tfoot><tr><td>all fact tables</td><td class="n">{total:,}</td><td>{_verdict(True, "every one")}</td></tr>'
               "</tfoot></table></section>")
    return out


def _keys(coverage: Coverage) -> list[str]:
    named = sum(k.named for k in coverage.keys)
    bad = sum(k.missing for k in coverage.keys)
    out = ['<section id="foreign-keys"><h2>Every reference names a row</h2>',
           '<p class="hint">For every table and every foreign key: each row that gives the key names a row of the table '
           'it refers to. A row may leave an optional reference empty. Checked on the final tables before the release '
           'gate, and again inside the SQLite database (<code>PRAGMA foreign_key_check</code>) when it is written.</p>',
           '<table class="keys"><thead><tr><th>table</th><th>key</th><th>refers to</th><th class="n">rows that name a row</th>'
           '<th class="n">rows that name none</th><th class="n">rows left empty</th><th>result</th></tr></thead><tbody>']
    for k in coverage.keys:
        out.append(f'<tr><td><a href="#{_e(k.table)}">{_e(k.table)}</a></td><td><code>{_e(k.field)}</code></td>'
                   f'<td><code>{_e(k.target)}.{_e(k.column)}</code></td><td class="n">{k.named:,}</td>'
                   f'<td class="n{" bad" if k.missing else ""}">{k.missing:,}</td><td class="n">{k.empty:,}</td>'
                   f'<td>{_verdict(not k.missing)}</td></tr>')
    out.append(f'</tbody><tfoot><tr><td colspan="3">{len(coverage.keys)} keys</td><td class="n">{named:,}</td>'
               f'<td class="n">{bad:,}</td><td class="n">{sum(k.empty for k in coverage.keys):,}</td>'
               f'<td>{_verdict(not bad)}</td></tr></tfoot></table></section>')
    return out


def _expectation(o: Outcome) -> str:
    said = prose(o.description) if o.description else f"<code>{_e(o.expectation)}</code>"
    result = _verdict(True) if o.success else f'{_verdict(False)} {_e(o.details)}'
    return (f'<tr><td>{said}<details class="as-run"><summary>as Great Expectations ran it</summary>'
            f"<code>{_e(as_run(o))}</code></details></td><td class=\"result\">{result}</td></tr>")


def render_report(result: GateResult, meta: dict, coverage: Coverage | None = None) -> bytes:
    coverage = coverage or Coverage()
    title = f"Validation report: {_e(meta['title'])} {_e(meta['version'])}"
    total = sum(len(o) for o in result.tables.values())
    failed = len(result.failures)
    verdict = "every expectation holds" if not failed else f"{failed} expectation(s) failed"
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{title}</title>", f"<style>{STYLE}</style></head><body>",
           f"<header><h1>{title}</h1>",
           f"<p>What was checked before this release was published; nothing is published unless all of it holds. "
           f"{sum(coverage.quotes.values()):,} quotes found at their offsets, {len(coverage.keys)} foreign keys checked, "
           f"and {total} expectations of the release gate on {len(result.tables)} tables: "
           f"<span class=\"{'ok' if not failed else 'bad'}\">{verdict}</span>.</p></header><main>",
           '<nav class="toc"><a href="#quotes">Quotes at their offsets</a><a href="#foreign-keys">Foreign keys</a>'
           '<a href="#expectations">Expectations, table by table</a></nav>']
    out += _quotes(coverage)
    out += _keys(coverage)
    out.append(f'<h2 id="expectations">The release gate: {total} expectations</h2>'
               f'<p class="hint">Great Expectations {_e(result.gx_version)} runs a suite per table, rendered from '
               'schemas/fields.yaml and schemas/tables.yaml (the fact fields of every fact table are checked together, '
               'as one batch). Each expectation is said in a sentence; open a table to read them, and an expectation '
               'to see it as Great Expectations ran it.</p>')
    out.append('<table class="summary"><thead><tr><th>table</th><th class="n">expectations</th><th class="n">hold</th>'
               '<th class="n">failed</th></tr></thead><tbody>')
    for name, outcomes in result.tables.items():
        bad = sum(not o.success for o in outcomes)
        out.append(f'<tr><td><a href="#{_e(name)}">{_e(name)}</a></td><td class="n">{len(outcomes)}</td>'
                   f'<td class="n">{len(outcomes) - bad}</td><td class="n {"bad" if bad else ""}">{bad}</td></tr>')
    out.append("</tbody></table>")
    for name, outcomes in result.tables.items():
        bad = sum(not o.success for o in outcomes)
        out.append(f'<details class="batch" id="{_e(name)}"{" open" if bad else ""}><summary>{_e(name)}: {len(outcomes)} '
                   f'expectations, {"all hold" if not bad else f"{bad} failed"}</summary>')
        out.append('<table><thead><tr><th>expectation</th><th class="result">result</th></tr></thead><tbody>')
        out.extend(_expectation(o) for o in outcomes)
        out.append("</tbody></table></details>")
    out.append("</main></body></html>")
    return ("\n".join(out) + "\n").encode("utf-8")
