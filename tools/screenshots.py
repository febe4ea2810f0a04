"""Screenshots of the source explorer and the validation report, on a phone and on a desktop, for review.

    make screenshots            (or: .venv/bin/python tools/screenshots.py <release folder> <out folder>)

Opens each page from file:// in Debian's Chromium with every non-file request refused (as the
browser tests do), at 390x844 (a phone, with touch) and at 1400x1000, and writes
<name>-<width>.png (the whole page) and <name>-<width>-view.png (the first screen). A few pages are
shot in the state a reader brings them to: a passage tapped (its rows in the panel, or in the
bottom sheet on a phone), a search typed, the wordings filtered.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pyarrow.parquet as pq
from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SIZES = ((390, 844), (1400, 1000))
FULL_PAGE_LIMIT = 16_000  # px: a taller page is shot as its first screens only (Chromium caps an image's size)


def _tap_a_passage(page) -> None:
    mark = page.locator("mark[data-f*=' ']").nth(2)
    mark.scroll_into_view_if_needed()
    mark.click()


def _search(query: str):
    def act(page) -> None:
        page.locator("header.site input[type=search]").fill(query)
        with page.expect_navigation():
            page.keyboard.press("Enter")
    return act


def _filter_by_first_setting(page) -> None:
    select = page.locator("select[data-filter=setting]")
    values = [v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
    if values:
        select.select_option(values[-1])


def shots(release: Path) -> list[tuple[str, str, object]]:
    sources = pq.read_table(release / "parquet/sources.parquet", columns=["source_id", "lang"]).to_pylist()
    arabic = next(s["source_id"] for s in sources if s["lang"] == "ar")
    chinese = next(s["source_id"] for s in sources if s["lang"] == "zh-Hans")
    return [
        ("arabic-source-tapped", f"site/sources/{arabic}.html", _tap_a_passage),
        ("chinese-source", f"site/sources/{chinese}.html", None),
        ("chinese-source-tapped", f"site/sources/{chinese}.html", _tap_a_passage),
        ("concept", "site/concepts/duty/answer_customer_inquiries.html", None),
        ("concept-filtered", "site/concepts/duty/answer_customer_inquiries.html", _filter_by_first_setting),
        ("role", "site/roles/customer_service_representative.html", None),
        ("overview", "site/index.html", None),
        ("search-chinese", "site/index.html", _search("客户")),
        ("search-arabic", "site/index.html", _search("العملاء")),
        ("cite", "site/cite.html", None),
        ("validation-report", "validation/index.html", None),
    ]


def main(release: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                             headless=True, args=ARGS)
        refused = []
        for width, height in SIZES:
            phone = width < 600
            context = browser.new_context(viewport={"width": width, "height": height}, has_touch=phone, is_mobile=phone,
                                          device_scale_factor=1)
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://")
                          else (refused.append(r.request.url), r.abort()))
            page = context.new_page()
            for name, rel, act in shots(release):
                page.goto((release / rel).resolve().as_uri())
                if act:
                    act(page)
                page.screenshot(path=str(out / f"{name}-{width}-view.png"))
                tall = page.evaluate("document.scrollingElement.scrollHeight") > FULL_PAGE_LIMIT
                page.screenshot(path=str(out / f"{name}-{width}.png"), full_page=True,
                                clip={"x": 0, "y": 0, "width": width, "height": FULL_PAGE_LIMIT} if tall else None)
                print(f"{name}-{width}", rel)
            context.close()
        browser.close()
    if refused:
        raise SystemExit(f"requests refused: {refused}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
