"""Screenshot the top of a rendered report (for the README).

Opens the HTML in Debian's Chromium through Playwright with the network blocked and
writes a 1200x1600 viewport screenshot. Renders nothing itself; render the report first::

    .venv/bin/evalkit run projects/herning-transport.yaml --kind slutevaluering
    .venv/bin/python scripts/screenshot.py reports/herning-transport/slutevaluering.html \\
        docs/img/report-herning-transport.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1200, "height": 1600}


def screenshot(html: Path, out: Path) -> list[str]:
    """Write the screenshot of ``html`` to ``out``; return the blocked network requests."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    out.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.route("**/*", route)
            page = context.new_page()
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.screenshot(path=str(out))
        finally:
            browser.close()
    return blocked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="rendered report (.html)")
    parser.add_argument("out", type=Path, help="PNG to write")
    args = parser.parse_args(argv)
    if not args.html.is_file():
        parser.error(f"no such file: {args.html}")
    if not CHROMIUM.exists():
        parser.error(f"{CHROMIUM} not found; install Debian's chromium (scripts/ensure_browser.sh)")
    blocked = screenshot(args.html, args.out)
    for url in blocked:
        print(f"screenshot: blocked network request {url}", file=sys.stderr)
    print(args.out)
    return 1 if blocked else 0


if __name__ == "__main__":
    sys.exit(main())
