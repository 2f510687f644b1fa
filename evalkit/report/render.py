"""Render report notebooks to self-contained Danish HTML (papermill + nbconvert).

:func:`render_report` executes ``notebooks/evaluering.ipynb`` with papermill, exports
the outputs (never the code) with nbconvert's ``basic`` template, and wraps them in our
own page template: no script, style, font or image from the network, a table of
contents, a print stylesheet. The HTML and ``<kind>.results.json`` of a report are
replaced together (:func:`evalkit._files.replace_together`): an interrupted run leaves the
old pair or the new one, never one of each, and ``index.html`` lists complete pairs only.
A failing notebook is kept under ``<out>/_failed/`` with the failing cell.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import re
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
import nbformat

import evalkit
from evalkit._files import atomic_write, recover_tree, replace_together
from evalkit._provenance import environment_changes
from evalkit.config import check_publishable, load_config
from evalkit.report.subset import (
    FINAL_WORDS,
    STATUS_WORDS,
    check_subset,
    index_fields,
    index_groups,
    subset_slug,
)

__all__ = [
    "NOTEBOOK",
    "RenderResult",
    "ReportError",
    "cell_timeout",
    "export_html",
    "index_page",
    "render_report",
    "write_skipped",
]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "evaluering.ipynb"
_TEMPLATES = Path(__file__).with_name("templates")
_H2 = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.S)
_HEADER = re.compile(r'<header class="report-header">.*?</header>', re.S)


class ReportError(RuntimeError):
    """A report notebook failed; ``failed_notebook`` is the kept notebook."""

    def __init__(self, message: str, failed_notebook: Path | None = None) -> None:
        super().__init__(message)
        self.failed_notebook = failed_notebook


@dataclass(frozen=True)
class RenderResult:
    """Where a rendered report went and how long it took."""

    slug: str
    kind: str
    html: Path
    results: Path
    seconds: float
    warnings: tuple[str, ...] = ()


@functools.cache
def _env() -> jinja2.Environment:
    """Our page templates (one environment per process: templates are compiled once)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=False,
        keep_trailing_newline=True,
    )


def _kernel_name(preferred: str = "evalkit") -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    return preferred if preferred in specs else "python3"


def _empty_html(output: nbformat.NotebookNode) -> bool:
    """A rich output whose HTML is empty (a section with nothing to show)."""
    html_out = output.get("data", {}).get("text/html")
    return html_out is not None and not "".join(html_out).strip()


def _clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Keep only what a reader should see, deterministically.

    Drops cells tagged ``remove_cell``, the parameter cells (papermill gives the injected
    one a random id), stderr streams (warnings), empty HTML outputs and code cells left
    without output.
    """
    drop_tags = {"remove_cell", "parameters", "injected-parameters"}
    cells = []
    for cell in nb.cells:
        if drop_tags & set(cell.get("metadata", {}).get("tags", [])):
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and not _empty_html(o)
            ]
            if not cell.outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    return nb


_EXPORTERS = threading.local()


def _exporter() -> Any:
    """This thread's nbconvert exporter: its Jinja templates are compiled once, not per
    report (an exporter is not safe to share between threads)."""
    exporter = getattr(_EXPORTERS, "html", None)
    if exporter is None:
        from nbconvert import HTMLExporter

        exporter = HTMLExporter(template_name="basic")
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        _EXPORTERS.html = exporter
    return exporter


def export_html(nb: nbformat.NotebookNode, title: str) -> str:
    """Turn an executed notebook into one self-contained HTML page (no code shown)."""
    body, _ = _exporter().from_notebook_node(_clean(nb))
    header_match = _HEADER.search(body)
    header = header_match.group(0) if header_match else ""
    body = _HEADER.sub("", body, count=1)
    toc = [(a, re.sub(r"<[^>]+>", "", t).strip()) for a, t in _H2.findall(body)]
    footer = (
        f"Dannet med evalkit {html.escape(evalkit.__version__)}. Rapporten er selvstændig "
        "og kan åbnes uden netforbindelse."
    )
    return (
        _env()
        .get_template("page.html.j2")
        .render(
            title=html.escape(title),
            header=header,
            toc=toc,
            body=body,
            footer=footer,
            version=html.escape(evalkit.__version__),
        )
    )


def render_report(
    config_path: str | Path,
    kind: str,
    out_dir: str | Path = "reports",
    as_of: str | None = None,
    generated: str | dt.date | None = None,
    notebook: str | Path = NOTEBOOK,
    kernel: str = "evalkit",
    suffix: str = "",
    internal: bool = False,
    subset: Mapping[str, str] | None = None,
    engine: Callable[..., Any] | None = None,
    timeout: float | None = None,
    hide: Sequence[Sequence[str]] = (),
) -> RenderResult:
    """Execute the report notebook for one project and write HTML + results.json.

    Parameters
    ----------
    config_path : path
        The project config.
    kind : {"slutevaluering", "statusrapport"}
    out_dir : path
        Reports go to ``out_dir/<slug>/<kind><suffix>.html`` and ``.results.json``.
    as_of : ISO date, optional
        Status date (default for status reports: ``period.status_as_of``).
    generated : date, optional
        Generation date printed in the report (default today).
    notebook : path
        The parameterised notebook.
    kernel : str
        Jupyter kernel name (falls back to ``python3`` when not registered).
    internal : bool, default False
        Render the internal variant (per-citizen detail, marked "INTERN – må ikke
        offentliggøres") to ``<kind>-intern<suffix>.html``; it is left out of the index.
    subset : dict of str to str, optional
        ``{column: value}``, e.g. ``{"kommune": "Aalborg"}``: a report on the matching
        participants only (:mod:`evalkit.report.subset`), written to
        ``out_dir/<slug>/<value slug>/``.
    engine : callable, optional
        Executes the notebook, with the signature of :func:`papermill.execute_notebook`
        (default); :meth:`evalkit.report.batch.WarmKernel.execute_notebook` reuses a kernel.
    timeout : float, optional
        Seconds one cell may run before the report fails (papermill's
        ``execution_timeout``); default no limit. A cell whose metadata holds
        ``{"evalkit": {"timeout": S}}`` gets ``S`` seconds instead (see :func:`cell_timeout`).
    hide : sequence of (caption, row, column), optional
        Table cells to hide for the sake of reports published together with this one
        (the coordination pass, :mod:`evalkit.disclosure.coordinate`); the notebook's
        ``hide`` parameter.

    Returns
    -------
    RenderResult
        With ``warnings`` when the environment differs from the one recorded in the
        report's earlier ``results.json`` (see :func:`evalkit._provenance.environment`).

    Raises
    ------
    ReportError
        When the notebook fails; it is kept under ``out_dir/_failed/``.
    """
    import papermill as pm

    t0 = time.perf_counter()
    config = load_config(config_path)
    check_publishable(config, internal)
    out_dir = Path(out_dir)
    subset = check_subset(subset)
    target = out_dir / config.slug / subset_slug(subset) if subset else out_dir / config.slug
    label = f"{config.slug}/{target.name}" if subset else config.slug
    name = f"{kind}{'-intern' if internal else ''}{suffix}"
    generated = (generated or dt.date.today()).__str__()
    with tempfile.TemporaryDirectory(prefix="evalkit-") as tmp:
        executed = Path(tmp) / f"{name}.ipynb"
        results_tmp = Path(tmp) / "results.json"
        params: dict[str, Any] = {
            "config_path": str(Path(config_path).resolve()),
            "report_kind": kind,
            "as_of": as_of,
            "generated": generated,
            "results_path": str(results_tmp),
            "internal": bool(internal),
            **({"subset": subset} if subset else {}),
            **({"hide": [list(map(str, cell)) for cell in hide]} if hide else {}),
        }
        try:
            if engine is None:
                from evalkit.report._kernel import IPCKernelManager

                engine = partial(pm.execute_notebook, kernel_manager_class=IPCKernelManager)
            nb = engine(
                str(notebook),
                str(executed),
                parameters=params,
                kernel_name=_kernel_name(kernel),
                progress_bar=False,
                log_output=False,
                cwd=str(Path(notebook).parent),
                execution_timeout=timeout,
                timeout_func=cell_timeout(timeout),
            )
        except Exception as exc:  # papermill wraps the cell's error
            failed = out_dir / "_failed" / f"{label.replace('/', '-')}-{name}.ipynb"
            if executed.exists():
                atomic_write(failed, lambda t: Path(t).write_bytes(executed.read_bytes()))
            else:
                failed = None
            raise ReportError(f"{label} {name}: {_short_error(exc)}", failed) from None
        if not isinstance(nb, nbformat.NotebookNode):  # an engine that only writes it
            nb = nbformat.read(executed, as_version=4)
        title = f"{config.title}: {', '.join(subset.values())}" if subset else config.title
        page = export_html(nb, f"{title} – {kind}{' (intern)' if internal else ''}")
        warnings = _environment_warnings(target / f"{name}.results.json", results_tmp)
        html_path, results_path = replace_together(
            target,
            {f"{name}.html": page, f"{name}.results.json": results_tmp},
            remove=[f"{name}.skipped.json"],
        )
    seconds = time.perf_counter() - t0
    return RenderResult(config.slug, kind, html_path, results_path, seconds, tuple(warnings))


def _environment_warnings(old: Path, new: Path) -> list[str]:
    """One warning when the environment recorded in the earlier results.json differs."""
    try:
        before = json.loads(old.read_text(encoding="utf-8")).get("environment") or {}
        after = json.loads(new.read_text(encoding="utf-8")).get("environment") or {}
    except (OSError, ValueError):
        return []
    changes = environment_changes(before, after)
    if not changes:
        return []
    return [
        f"{old.name}: the environment differs from the earlier report's ({'; '.join(changes)}); "
        "numbers may differ for that reason alone (install from requirements.lock to match)"
    ]


def write_skipped(
    out_dir: str | Path, config_path: str | Path, kind: str, subset: Mapping[str, str], reason: str
) -> Path:
    """Record that a subset gets no report (e.g. too few participants), for the index.

    Writes ``out_dir/<slug>/<value slug>/<kind>.skipped.json`` (title, subset, kind and the
    reason, never a count) and removes an earlier report of that subset and kind in the
    same transaction, so the index shows the reason instead of a stale report.
    """
    config = load_config(config_path)
    subset = check_subset(subset)
    if not subset:
        raise ValueError(f"subset must name a column and a value, but was {subset!r}")
    target = Path(out_dir) / config.slug / subset_slug(subset)
    record = {
        "project": config.slug,
        "title": f"{config.title}: {', '.join(subset.values())}",
        "subset": subset,
        "report_kind": kind,
        "reason": reason,
    }
    text = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return replace_together(
        target, {f"{kind}.skipped.json": text}, remove=[f"{kind}.html", f"{kind}.results.json"]
    )[0]


def cell_timeout(default: float | None) -> Callable[[Any], float | None]:
    """nbclient's ``timeout_func``: a cell's own limit, else ``default`` (None: no limit).

    A cell limits itself with ``{"evalkit": {"timeout": seconds}}`` in its metadata, so a
    notebook can bound one slow step (a query, a test's deliberate hang) without putting
    every other cell, imports included, under a limit that depends on the machine's speed.

    Examples
    --------
    >>> f = cell_timeout(None)
    >>> f({"metadata": {"evalkit": {"timeout": 5}}}), f({"metadata": {}})
    (5.0, None)
    >>> cell_timeout(60)({"metadata": {}})
    60
    """

    def timeout_for(cell: Any) -> float | None:
        own = (cell.get("metadata") or {}).get("evalkit", {}).get("timeout")
        return float(own) if own is not None else default

    return timeout_for


def _short_error(exc: Exception) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    cell = getattr(exc, "exec_count", None)
    where = f" (celle {cell})" if cell is not None else ""
    return f"{ename}: {evalue}{where}".strip()


def index_page(out_dir: str | Path, generated: str | dt.date | None = None) -> str:
    """The HTML of the index of ``out_dir``: every report found, with its verdicts.

    Interrupted report transactions are finished first (:func:`evalkit._files.recover`),
    and only complete reports (HTML beside its results.json) are listed.
    """
    out_dir = Path(out_dir)
    recover_tree(out_dir, depth=2)
    rows = []
    for res in sorted(out_dir.glob("*/*.results.json")):
        if res.parent.name.startswith("_") or res.name.endswith("-intern.results.json"):
            continue  # failed notebooks; internal reports are not for publication
        if not res.with_name(res.name.removesuffix(".results.json") + ".html").is_file():
            continue
        data = json.loads(res.read_text(encoding="utf-8"))
        rows.append(
            {
                # a project's reports by kind, a status report series by date
                "_order": (res.parent.name, data.get("report_kind", ""), data.get("as_of") or ""),
                "href": f"{res.parent.name}/{res.name.removesuffix('.results.json')}.html",
                "title": data.get("title", res.parent.name),
                "kommune": data.get("kommune", ""),
                "kind": data.get("report_kind", ""),
                **index_fields(data),
            }
        )
    rows.sort(key=lambda row: row.pop("_order"))
    from evalkit.formatting import fmt_date

    date = fmt_date(generated or dt.date.today())
    groups = index_groups(out_dir)  # per-kommune (subset) reports, grouped by project
    from evalkit.report.overview import overview_data, overview_html, read_results

    for g in groups:  # funnel and caterpillar plots of the kommuner (published figures only)
        hrefs = [r["href"] for r in g["rows"] if r.get("href")]  # not the skipped values
        figures = overview_data(read_results(out_dir, hrefs))
        g["overview"] = overview_html(figures, g["id"])
    return (
        _env()
        .get_template("index.html.j2")
        .render(
            rows=rows,
            groups=groups,
            date=date,
            final_words=list(FINAL_WORDS),
            status_words=list(STATUS_WORDS),
        )
    )
