"""The validation report (validation/index.html): what the release gate checked, table by table,
rendered from the gate's results as one self-contained page.

It loads nothing from any other host (no scripts, fonts or styles from a CDN), so it reads the same
offline, from file://, years later; and it holds no run times or random ids, so the same release
gives the same bytes and the report is covered by SHA256SUMS like every other file.
"""
from __future__ import annotations

import html
import json

from ..validation.gate import GateResult

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#1d2330;background:#f7f8fa}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}header p{margin:6px 0 0;color:#c9d1e0}
main{padding:20px 28px;max-width:1200px}table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0 24px}
th,td{border:1px solid #dde2ea;padding:5px 8px;text-align:left;vertical-align:top}th{background:#eef1f6}
td.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#17663a;font-weight:600}.bad{color:#a4161a;font-weight:700}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
details{background:#fff;border:1px solid #dde2ea;margin:0 0 10px;padding:6px 12px}summary{cursor:pointer;font-weight:600}
nav a{margin-right:10px}
header .ok{color:#8ce3b0}header .bad{color:#ffb3b3}
"""


def _args(kwargs: dict) -> str:
    shown = []
    for key, value in kwargs.items():
        if key in ("column", "column_A", "column_B"):
            continue
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        if len(text) > 160:
            text = text[:157] + "..."
        shown.append(f"{key}={text}")
    return ", ".join(shown)


def render_report(result: GateResult, meta: dict) -> bytes:
    e = html.escape
    total = sum(len(o) for o in result.tables.values())
    failed = len(result.failures)
    verdict = "every expectation holds" if not failed else f"{failed} expectation(s) failed"
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>Validation report: {e(meta['title'])} {e(meta['version'])}</title>",
           f"<style>{STYLE}</style></head><body>",
           f"<header><h1>Validation report: {e(meta['title'])} {e(meta['version'])}</h1>",
           f"<p>Release gate: Great Expectations {e(result.gx_version)}, suites rendered from schemas/fields.yaml and "
           f"schemas/tables.yaml. {total} expectations on {len(result.tables)} tables: "
           f"<span class=\"{'ok' if not failed else 'bad'}\">{verdict}</span>.</p></header><main>",
           "<h2>Tables</h2><table><thead><tr><th>table</th><th>expectations</th><th>passed</th><th>failed</th></tr></thead><tbody>"]
    for name, outcomes in result.tables.items():
        bad = sum(not o.success for o in outcomes)
        out.append(f'<tr><td><a href="#{e(name)}">{e(name)}</a></td><td class="n">{len(outcomes)}</td>'
                   f'<td class="n">{len(outcomes) - bad}</td><td class="n {"bad" if bad else ""}">{bad}</td></tr>')
    out.append("</tbody></table>")
    for name, outcomes in result.tables.items():
        bad = sum(not o.success for o in outcomes)
        out.append(f'<details id="{e(name)}"{" open" if bad else ""}><summary>{e(name)}: {len(outcomes)} expectations, '
                   f'{"all hold" if not bad else f"{bad} failed"}</summary>')
        out.append("<table><thead><tr><th>expectation</th><th>column</th><th>arguments</th><th>result</th></tr></thead><tbody>")
        for o in outcomes:
            column = o.kwargs.get("column") or " / ".join(filter(None, (o.kwargs.get("column_A"), o.kwargs.get("column_B"))))
            result_cell = '<span class="ok">holds</span>' if o.success else f'<span class="bad">failed</span> {e(o.details)}'
            out.append(f"<tr><td><code>{e(o.expectation)}</code></td><td><code>{e(str(column or ''))}</code></td>"
                       f"<td><code>{e(_args(o.kwargs))}</code></td><td>{result_cell}</td></tr>")
        out.append("</tbody></table></details>")
    out.append("</main></body></html>")
    return ("\n".join(out) + "\n").encode("utf-8")
