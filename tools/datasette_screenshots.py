"""Screenshots of the release in Datasette, for review: a table page, a row page and the schema page.

    make screenshots            (or: .venv/bin/python tools/datasette_screenshots.py <release folder> <out folder>)

Serves the release as `make serve` does (its database, metadata, templates and plugin), on a free
port of 127.0.0.1, and opens the pages in Debian's Chromium at 1400x1000 with every request that
leaves that server refused. Writes <name>-1400-view.png (the first screen) and, but for the schema
page, <name>-1400.png (the whole page).
"""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml
from datasette.utils import tilde_encode
from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parent.parent


def _serve(release: Path, database: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    datasette = Path(sys.executable).parent / "datasette"
    server = subprocess.Popen([str(datasette), "serve", "-i", str(release / f"{database}.sqlite"), "-m",
                               str(release / "datasette/metadata.json"), "--template-dir", str(release / "datasette/templates"),
                               "--plugins-dir", str(release / "datasette/plugins"), "-h", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for _ in range(300):
        try:
            opener.open(base + "/-/versions.json", timeout=5)
            return server, base
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.1)
    server.kill()
    raise SystemExit("datasette did not start")


def main(release: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    database = yaml.safe_load((ROOT / "schemas" / "dataset.yaml").read_text(encoding="utf-8"))["name"]
    con = sqlite3.connect(f"file:{release / f'{database}.sqlite'}?mode=ro", uri=True)
    mention = con.execute("SELECT mention_id FROM duty_mentions ORDER BY mention_id LIMIT 1").fetchone()[0]
    salary = con.execute("SELECT salary_id FROM salaries ORDER BY level_id IS NULL, salary_id LIMIT 1").fetchone()[0]
    con.close()
    server, base = _serve(release, database)
    shots = [("datasette-table-salaries", f"/{database}/salaries", True),
             ("datasette-table-duty_mentions", f"/{database}/duty_mentions", True),
             ("datasette-row-duty_mentions", f"/{database}/duty_mentions/{tilde_encode(mention)}", True),
             ("datasette-row-salaries", f"/{database}/salaries/{tilde_encode(salary)}", True),
             ("datasette-schema", "/schema#salaries", False)]  # tens of thousands of px: its first screen only
    refused = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                                 headless=True, args=ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base + "/")
                          else (refused.append(r.request.url), r.abort()))
            page = context.new_page()
            for name, path, whole in shots:
                page.goto(base + path)
                page.screenshot(path=str(out / f"{name}-1400-view.png"))
                if whole:
                    page.screenshot(path=str(out / f"{name}-1400.png"), full_page=True)
                print(name, path)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    if refused:
        raise SystemExit(f"requests refused: {refused}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
