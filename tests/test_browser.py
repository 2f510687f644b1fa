"""The rendered reports in a real browser: offline, navigable, accessible and printable.

Drives Debian's Chromium (``/usr/bin/chromium``) through Playwright with every request
that is not ``file:`` or ``data:`` aborted and recorded, so a report that tries to reach
the network fails here. Accessibility is checked with axe-core (bundled by
``axe-playwright-python``; nothing is fetched).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("reports")]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPORTS = [("herning-transport", "slutevaluering"), ("aalborg-jobparate", "statusrapport")]
PAGES = [*REPORTS, "index"]
# A4 minus the 15 mm side margins of the page template's @page rule, in CSS px (96/in)
A4_CONTENT_WIDTH = round((210 - 2 * 15) / 25.4 * 96)
BLOCKING = ("serious", "critical")
DESKTOP = {"width": 1200, "height": 800}


def _page_id(page: tuple[str, str] | str) -> str:
    return "/".join(page) if isinstance(page, tuple) else page


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium for the module (skips when it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} not found: install Debian's chromium (scripts/ensure_browser.sh; "
            "Playwright's own browser download does not work offline)"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_path(request, rendered_reports) -> Path:
    """Path of the rendered report or of the index page next to the reports."""
    which = request.param
    if which == "index":
        return next(iter(rendered_reports.values())).parents[1] / "index.html"
    return rendered_reports[which]


@dataclass
class _Log:
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"blocked request: {u}" for u in self.blocked]
            + [f"failed request: {u}" for u in self.failed]
            + [f"console error: {m}" for m in self.console]
            + [f"page error: {e}" for e in self.errors]
        )


@contextmanager
def _offline_page(browser, path: Path, **context_args) -> Iterator[tuple[object, _Log]]:
    """Open ``path`` with the network blocked; yield the page and what went wrong."""
    log = _Log()
    context = browser.new_context(**context_args)

    def route(r) -> None:
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            log.blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: log.console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.errors.append(str(e)))
    page.on("requestfailed", lambda r: log.failed.append(f"{r.url} ({r.failure})"))
    try:
        page.goto(path.resolve().as_uri(), wait_until="load")
        yield page, log
    finally:
        context.close()


def _axe_serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']}; targets: "
        + ", ".join(" ".join(n["target"]) for n in v["nodes"])
        for v in violations
        if v["impact"] in BLOCKING
    ]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_network_blocking_is_recorded(browser, tmp_path: Path) -> None:
    """The harness itself: a page reaching for the network is caught."""
    page_file = tmp_path / "leak.html"
    page_file.write_text(
        '<!DOCTYPE html><html lang="da"><title>x</title>'
        '<img src="https://example.invalid/x.png" alt="x"></html>',
        encoding="utf-8",
    )
    with _offline_page(browser, page_file) as (_, log):
        pass
    assert log.blocked == ["https://example.invalid/x.png"]
    assert log.failed and log.problems()


@pytest.mark.parametrize("page_path", PAGES, ids=_page_id, indirect=True)
def test_page_loads_offline_in_danish_with_images_and_screenshot(
    browser, page_path: Path, tmp_path: Path
) -> None:
    with _offline_page(browser, page_path) as (page, log):
        assert page.evaluate("document.documentElement.lang") == "da"
        images = page.evaluate(
            """() => [...document.images].map(i => ({
                src: i.src.slice(0, 40), complete: i.complete,
                width: i.naturalWidth, alt: (i.getAttribute('alt') || '').trim()}))"""
        )
        shot = tmp_path / "page.png"
        page.screenshot(path=str(shot), full_page=True)
    assert not log.problems(), "\n".join(log.problems())
    if page_path.name != "index.html":
        assert images, "a report without figures"
    for img in images:
        assert img["complete"] and img["width"] > 0, f"image did not load: {img}"
        assert img["alt"], f"image without alt text: {img}"
    data = shot.read_bytes()
    width, height = _png_size(data)
    assert len(data) > 10_000 and width >= 1000 and height >= 600


@pytest.mark.parametrize("page_path", REPORTS, ids=_page_id, indirect=True)
def test_toc_links_reach_their_sections(browser, page_path: Path) -> None:
    with _offline_page(browser, page_path, viewport=DESKTOP) as (page, log):
        hrefs = page.eval_on_selector_all("nav.toc a", "as => as.map(a => a.getAttribute('href'))")
        sections = page.eval_on_selector_all("main h2[id]", "hs => hs.map(h => h.id)")
        assert hrefs, "no table of contents"
        assert [h.removeprefix("#") for h in hrefs] == sections, "TOC and sections differ"
        for i, href in enumerate(hrefs):
            assert re.fullmatch(r"#[\w-]+", href), href
            target = page.locator(href)
            assert target.count() == 1, f"{href}: no such element"
            page.evaluate("window.scrollTo(0, 0)")
            page.locator("nav.toc a").nth(i).click()
            assert page.evaluate("location.hash") == href
            box = page.evaluate(
                """id => { const r = document.getElementById(id).getBoundingClientRect();
                           return [r.top, r.bottom, window.innerHeight, window.scrollY]; }""",
                href[1:],
            )
            top, bottom, height, scroll_y = box
            assert -1 < top < height and bottom > 0, f"{href} not scrolled into view: {box}"
            assert i == 0 or scroll_y > 0, f"{href}: page did not scroll"
    assert not log.problems(), "\n".join(log.problems())


@pytest.mark.parametrize("page_path", PAGES, ids=_page_id, indirect=True)
def test_axe_finds_no_serious_violations(browser, page_path: Path) -> None:
    with _offline_page(browser, page_path) as (page, log):
        serious = _axe_serious(page)
    assert not serious, "axe-core:\n" + "\n".join(serious)
    assert not log.problems(), "\n".join(log.problems())


@pytest.mark.parametrize("page_path", PAGES, ids=_page_id, indirect=True)
def test_reflows_on_a_narrow_screen(browser, page_path: Path) -> None:
    """WCAG 1.4.10: at 320 CSS px the page does not scroll sideways (a wide table may
    scroll in its own box) and stays free of serious axe violations."""
    with _offline_page(browser, page_path, viewport={"width": 320, "height": 800}) as (page, _):
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        serious = _axe_serious(page)
    assert widths[0] <= widths[1], f"page scrolls sideways at 320 px: {widths}"
    assert not serious, "axe-core at 320 px:\n" + "\n".join(serious)


@pytest.mark.parametrize("page_path", PAGES, ids=_page_id, indirect=True)
def test_prints_to_a4_pdf_without_clipping(browser, page_path: Path, tmp_path: Path) -> None:
    viewport = {"width": A4_CONTENT_WIDTH, "height": 1000}
    with _offline_page(browser, page_path, viewport=viewport) as (page, log):
        page.emulate_media(media="print")
        overflowing = page.evaluate(
            """() => { const w = document.documentElement.clientWidth;
                return [...document.querySelectorAll('body *')]
                  .filter(e => e.getBoundingClientRect().right > w + 1)
                  .map(e => e.tagName + (e.className ? '.' + e.className : ''))
                  .slice(0, 10); }"""
        )
        toc = page.evaluate(
            "[...document.querySelectorAll('nav.toc')].map(n => getComputedStyle(n).display)"
        )
        pdf = page.pdf(format="A4")
    assert not overflowing, f"cut off on an A4 page: {overflowing}"
    assert all(display == "none" for display in toc), "table of contents printed"
    (tmp_path / "page.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    if page_path.name == "index.html":
        assert pages >= 1 and len(pdf) > 5_000, f"{pages} page(s), {len(pdf)} bytes"
    else:
        assert pages >= 2 or len(pdf) > 50_000, f"{pages} page(s), {len(pdf)} bytes"
    assert not log.problems(), "\n".join(log.problems())
