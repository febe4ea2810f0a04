"""Full-page screenshots of the source explorer and the validation report, for review.

    make screenshots            (or: .venv/bin/python tools/screenshots.py <release folder> <out folder>)

Opens each page from file:// in Debian's Chromium with every non-file request refused (as the
browser tests do), and writes <name>.png (the whole page) and <name>-view.png (the first screen).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pyarrow.parquet as pq
from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def main(release: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    sources = pq.read_table(release / "parquet/sources.parquet", columns=["source_id", "lang"]).to_pylist()
    arabic = next(s["source_id"] for s in sources if s["lang"] == "ar")
    chinese = next(s["source_id"] for s in sources if s["lang"] == "zh-Hans")
    shots = [
        ("arabic-source-selected", f"site/sources/{arabic}.html", "mark[data-f*=' ']"),
        ("chinese-source", f"site/sources/{chinese}.html", None),
        ("concept", "site/concepts/duty/answer_customer_inquiries.html", None),
        ("role", "site/roles/customer_service_representative.html", None),
        ("overview", "site/index.html", None),
        ("validation-report", "validation/index.html", None),
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        refused = []
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://")
                      else (refused.append(r.request.url), r.abort()))
        page = context.new_page()
        for name, rel, click in shots:
            page.goto((release / rel).resolve().as_uri())
            if click:
                page.locator(click).nth(2).click()
            page.screenshot(path=str(out / f"{name}-view.png"))
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(name, rel)
        browser.close()
    if refused:
        raise SystemExit(f"requests refused: {refused}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
