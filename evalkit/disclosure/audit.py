"""The audit of a publication set: can any person count below the threshold be recovered?

An attacker on published reports. ``evalkit check-disclosure``, the coordination pass of
``evalkit run`` (:mod:`evalkit.disclosure.coordinate`) and the disclosure tests hand this
module everything a set of reports publishes together: the HTML pages (tables, running
text, figure alt texts), ``<kind>.results.json`` beside each page, what each figure draws
(``evalkit.report.figure_data``, recorded at render time with ``EVALKIT_FIGURE_DATA``;
matched to its ``<img>`` by the PNG's SHA-256; without it the figures are read from their
alt texts only) and ``index.html``. It reads them as a careful reader would and searches
for a person count ``0 < n < threshold``:

* Every count a table shows becomes an integer unknown: a shown count is known exactly,
  ``<5`` lies in 1..4 and ``x`` (hidden to protect another cell) is at least 5. A
  shown count below the threshold is found at once.
* Linear constraints link the unknowns: ``I alt`` rows and columns are sums; a share
  with its n gives ``x / n`` to the precision shown (``28,6 %`` of 28 is 8); the
  complement ``n - x`` of every share is itself a count; ``Svar 4-5`` is ``Svar 4`` plus
  ``Svar 5``; a criterion's exact estimate in results.json times its n; the lines and
  bands of a figure against the n of the table beside it (a drawn share of 2/28 is 2
  persons, even where the table hides it); a published verdict narrows a hidden share
  (the values of x that give that verdict).
* Across reports: a report on the whole project and its reports per kommune
  (``subset`` in results.json) publish the same tables, so the whole equals the sum of
  the parts (participant flow, criteria counts and n); a kommune with too few
  participants for a report (``<kind>.skipped.json``) is a part too, with 1 to
  threshold-1 participants, so the whole minus the published kommuner is its count. A status report against the
  later reports of the same project (and subset): counts that only grow with time
  (participants started and ended, in all and per target group, each criterion's n)
  differ by a group of persons (those who started, ended or became countable between
  the two dates).
* Kaplan-Meier curves: the drawn step heights with n (from the legend) and the
  censoring marks give the number of events at each step (height x at risk = events).

The unknowns are solved by interval propagation and then, for each hidden count, an
integer program (``scipy.optimize.milp``) for its smallest and largest possible value.
A count is *recovered* when both are the same. :func:`attack` returns every recovered
count below the threshold (and above 0), with where it was found.

The attacker is deliberately generic: it knows the Danish labels of the report layout
(``I alt``, ``n``, ``Andel``, ``Uge``), not the data. Links that only the words of a
sentence make (e.g. "de 28 deltagere, der har været i praktik") are outside its reach,
and so is anything not published in the set it is given (``docs/privacy.md``).

Every finding names the report and the cell (table caption, row label, column, or the
quantity of results.json), never a person; :attr:`Finding.cell` is the table cell when
the count is one, and :attr:`Reader.across` marks the constraints that tie one report to
another (what :mod:`evalkit.disclosure.coordinate` breaks by hiding more cells).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from bs4 import BeautifulSoup
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.stats import norm

INF = math.inf
_NBSP = "\u00a0"
_MINUS = "\u2212"
_COUNT = re.compile(r"^\d{1,3}(?:\.\d{3})*$")
_SMALL = re.compile(r"^<(\d+)$")
_PCT = re.compile(r"^([+−-]?\d+(?:,\d+)?) ?%$")
_PCT_N = re.compile(r"^(–|[+−-]?\d+(?:,\d+)?\s?%) \((\d{1,3}(?:\.\d{3})*|<\d+|x)\)$")
_CI = re.compile(r"^\(([−-]?\d+(?:,\d+)?) ?% til ([−-]?\d+(?:,\d+)?) ?%\)$")
_SVAR_RANGE = re.compile(r"^(.*?)(\d+)-(\d+)$")
_N_HEADERS = {"n", "svar (n)", "personer i forløb"}
# columns that count no persons: ranks, dates, values and criteria by verdict (the index's
# tables of the final reports and, with the status words, of the status reports)
_NOT_COUNTS = {"rang", "uge", "måned", "opfyldt", "ikke opfyldt", "kan ikke afgøres",
               "intet mål", "usikkert", "på sporet", "ikke på sporet", "parameter", "værdi",
               "år"}  # fmt: skip
_SKIP_CAPTIONS = ("Parametre", "Inddata")
_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
           "september", "oktober", "november", "december")  # fmt: skip
_SHARE_KINDS = {"share", "survey_share"}
_FLOW = "Deltagere efter målgruppe og status|"  # the participant flow table
_GROWING = ("|Startet i alt", "|Afsluttet")  # its counts that only grow with time


# --------------------------------------------------------------------------- reading
def _clean(text: str) -> str:
    return " ".join(text.replace(_NBSP, " ").split())


def _count(text: str) -> int | None:
    return int(text.replace(".", "")) if _COUNT.match(text) else None


def _pct(text: str) -> tuple[float, float] | None:
    """A Danish percentage -> (share, half width of its rounding interval)."""
    m = _PCT.match(text)
    if not m:
        return None
    num = m.group(1).replace(_MINUS, "-").replace(",", ".")
    decimals = len(num.split(".")[1]) if "." in num else 0
    return float(num) / 100, 0.5 * 10.0 ** (-decimals) / 100


@dataclass
class Table:
    report: str
    section: str
    caption: str
    header: list[str]
    rows: list[list[str]]
    order: int = 0
    labels: list[str] = field(default_factory=list)

    def column(self, name: str) -> int | None:
        low = [h.lower() for h in self.header]
        return low.index(name.lower()) if name.lower() in low else None


@dataclass
class Figure:
    report: str
    section: str
    alt: str
    data: dict[str, Any] | None
    order: int = 0


@dataclass
class Report:
    """One published report: where it is, its threshold, tables, figures and results."""

    name: str
    threshold: int
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)
    results: dict[str, Any] | None = None
    skipped: bool = False  # a subset that got no report (``<kind>.skipped.json``)


def read_html(
    text: str,
    name: str,
    threshold: int = 5,
    results: dict[str, Any] | None = None,
    figures: dict[str, dict[str, Any]] | None = None,
) -> Report:
    """Parse one report page; ``figures`` maps the SHA-256 of a PNG to its figure data."""
    import base64

    soup = BeautifulSoup(text, "html.parser")
    rep = Report(name, threshold, results=results)
    section = ""
    for order, el in enumerate(soup.find_all(["h2", "table", "figure", "p", "li"])):
        if el.name == "h2":
            section = el.get("id") or _clean(el.get_text())
        elif el.name == "table":
            cap = el.find("caption")
            head = el.find("thead")
            header = [_clean(c.get_text()) for c in head.find_all(["th", "td"])] if head else []
            body = el.find("tbody") or el
            rows = [
                [_clean(c.get_text()) for c in tr.find_all(["th", "td"])]
                for tr in body.find_all("tr")
            ]
            rep.tables.append(
                Table(name, section, _clean(cap.get_text()) if cap else "", header, rows, order)
            )
        elif el.name == "figure":
            img = el.find("img")
            if img is None:
                continue
            data = None
            src = img.get("src", "")
            if figures is not None and src.startswith("data:image/png;base64,"):
                png = base64.b64decode(src.split(",", 1)[1])
                data = figures.get(hashlib.sha256(png).hexdigest())
            rep.figures.append(Figure(name, section, _clean(img.get("alt", "")), data, order))
        elif el.find_parent("table") is None and el.find_parent("figure") is None:
            rep.texts.append((section, _clean(el.get_text())))
    return rep


def read_reports(
    root: Path, figure_dir: Path | None = None, index: str | Path | None = "index.html"
) -> list[Report]:
    """Every published report under ``root`` (``*.html`` with ``.results.json`` beside).

    ``index`` is the overview read as ``index.html`` (relative to ``root``, or a path
    elsewhere such as an index not yet published; None: no index).
    """
    figures: dict[str, dict[str, Any]] = {}
    if figure_dir is not None and Path(figure_dir).exists():
        for f in Path(figure_dir).glob("*.json"):
            figures[f.stem] = json.loads(f.read_text(encoding="utf-8"))
    out = []
    for res_path in sorted(Path(root).rglob("*.results.json")):
        if res_path.name.endswith("-intern.results.json") or "_failed" in res_path.parts:
            continue
        html_path = res_path.with_name(res_path.name.removesuffix(".results.json") + ".html")
        results = json.loads(res_path.read_text(encoding="utf-8"))
        name = str(html_path.relative_to(root))
        thr = int(results.get("disclosure_threshold", 5))
        out.append(read_html(html_path.read_text(encoding="utf-8"), name, thr, results, figures))
    for skip in sorted(Path(root).rglob("*.skipped.json")):
        if "_failed" in skip.parts:
            continue
        record = json.loads(skip.read_text(encoding="utf-8"))
        m = re.search(r"færre end (\d+)", record.get("reason", ""))
        name = str(skip.relative_to(root))
        out.append(Report(name, int(m.group(1)) if m else 5, results=record, skipped=True))
    page = Path(root) / index if index is not None else None
    if page is not None and page.exists():
        out.append(read_html(page.read_text(encoding="utf-8"), "index.html", 5, None, figures))
    return out


# --------------------------------------------------------------------------- the unknowns
@dataclass
class Finding:
    """A recovered person count below the threshold.

    ``key`` is the unknown of :class:`System` (empty for a direct finding); ``cell`` is
    ``(caption, row, column)`` when the count is a cell of a published table.
    """

    report: str
    what: str
    value: int
    how: str
    key: str = field(default="", compare=False, repr=False)
    cell: tuple[str, str, str] | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.report}: {self.what} = {self.value} ({self.how})"


class System:
    """Integer unknowns >= 0 with bounds and linear constraints ``lo <= a.x <= hi``."""

    def __init__(self) -> None:
        self.lo: dict[str, float] = {}
        self.hi: dict[str, float] = {}
        self.cons: list[tuple[dict[str, float], float, float, str]] = []
        self.targets: dict[str, tuple[str, str, int, str]] = {}  # var -> report, what, thr, how
        self.allowed: dict[str, set[int]] = {}  # var -> allowed values (verdicts)

    def var(self, key: str, lo: float = 0, hi: float = INF) -> str:
        self.lo[key] = max(self.lo.get(key, 0.0), lo)
        self.hi[key] = min(self.hi.get(key, INF), hi)
        return key

    def add(self, terms: dict[str, float], lo: float, hi: float, why: str) -> None:
        for k in terms:
            self.var(k)
        self.cons.append((dict(terms), lo, hi, why))

    def target(self, key: str, report: str, what: str, thr: int, how: str) -> None:
        self.var(key)
        self.targets.setdefault(key, (report, what, thr, how))

    def allow(self, key: str, values: Iterable[int]) -> None:
        vals = set(values)
        self.allowed[key] = self.allowed[key] & vals if key in self.allowed else vals


def _propagate(sys: System, rounds: int = 60) -> bool:
    """Tighten integer bounds from every constraint until nothing changes; False if empty."""
    lo, hi = sys.lo, sys.hi
    for key, vals in sys.allowed.items():
        inside = [v for v in vals if lo[key] - 1e-9 <= v <= hi[key] + 1e-9]
        if not inside:
            return False
        lo[key], hi[key] = max(lo[key], min(inside)), min(hi[key], max(inside))
    for _ in range(rounds):
        changed = False
        for terms, clo, chi, _why in sys.cons:
            mins = {k: (a * lo[k] if a > 0 else a * hi[k]) for k, a in terms.items()}
            maxs = {k: (a * hi[k] if a > 0 else a * lo[k]) for k, a in terms.items()}
            min_inf = sum(1 for v in mins.values() if v == -INF)
            max_inf = sum(1 for v in maxs.values() if v == INF)
            min_fin = sum(v for v in mins.values() if v != -INF)
            max_fin = sum(v for v in maxs.values() if v != INF)
            for k, a in terms.items():
                own_min_inf = mins[k] == -INF
                own_max_inf = maxs[k] == INF
                rest_min = (
                    -INF
                    if min_inf - own_min_inf > 0
                    else min_fin - (0.0 if own_min_inf else mins[k])
                )
                rest_max = (
                    INF
                    if max_inf - own_max_inf > 0
                    else max_fin - (0.0 if own_max_inf else maxs[k])
                )
                top = chi - rest_min  # a * x <= top
                bot = clo - rest_max  # a * x >= bot
                if a > 0:
                    new_hi = math.floor(top / a + 1e-9) if math.isfinite(top) else INF
                    new_lo = math.ceil(bot / a - 1e-9) if math.isfinite(bot) else -INF
                else:
                    new_hi = math.floor(bot / a + 1e-9) if math.isfinite(bot) else INF
                    new_lo = math.ceil(top / a - 1e-9) if math.isfinite(top) else -INF
                if new_hi < hi[k] - 1e-9:
                    hi[k] = new_hi
                    changed = True
                if new_lo > lo[k] + 1e-9:
                    lo[k] = new_lo
                    changed = True
                if lo[k] > hi[k] + 1e-9:
                    return False
        if not changed:
            return True
    return True


def _components(sys: System) -> dict[str, list[int]]:
    """Constraint indices of the connected component of each unknown."""
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for terms, *_ in sys.cons:
        keys = list(terms)
        for k in keys[1:]:
            ra, rb = find(keys[0]), find(k)
            if ra != rb:
                parent[ra] = rb
    comp: dict[str, list[int]] = defaultdict(list)
    for i, (terms, *_rest) in enumerate(sys.cons):
        comp[find(next(iter(terms)))].append(i)
    return {k: comp[find(k)] for k in sys.lo}


def _milp_range(
    sys: System, key: str, cons_idx: list[int], witnesses: list[dict[str, float]] | None = None
) -> tuple[float, float] | None:
    """Smallest and largest integer value of ``key`` under the constraints of its component.

    The two solutions found are appended to ``witnesses`` (unknown -> value): each is a
    possible assignment of the whole component, so an unknown that takes two values among
    them cannot be pinned (:func:`solve` then skips its integer programs).
    """
    keys = sorted({k for i in cons_idx for k in sys.cons[i][0]} | {key})
    pos = {k: j for j, k in enumerate(keys)}
    if len(keys) > 4000:
        return None
    rows, lows, highs = [], [], []
    for i in cons_idx:
        terms, clo, chi, _ = sys.cons[i]
        row = np.zeros(len(keys))
        for k, a in terms.items():
            row[pos[k]] = a
        rows.append(row)
        lows.append(clo)
        highs.append(chi)
    lb = np.array([sys.lo[k] for k in keys], dtype=float)
    ub = np.array([sys.hi[k] for k in keys], dtype=float)
    ub = np.where(np.isinf(ub), 1e7, ub)
    cons = [LinearConstraint(np.array(rows), np.array(lows), np.array(highs))] if rows else []
    out = []
    for sign in (1.0, -1.0):
        c = np.zeros(len(keys))
        c[pos[key]] = sign
        res = milp(c, constraints=cons, integrality=np.ones(len(keys)), bounds=Bounds(lb, ub))
        if res.status != 0:
            return None
        out.append(round(sign * res.fun))
        if witnesses is not None:
            witnesses.append(dict(zip(keys, np.round(res.x).tolist(), strict=True)))
    return float(out[0]), float(out[1])


def solve(sys: System, exact: bool = True) -> list[Finding]:
    """Recovered targets below their threshold (and above 0)."""
    if not _propagate(sys):
        bad = _first_infeasible(sys)
        raise AssertionError(f"the attacker's constraints contradict each other: {bad}")
    found = []
    comps = _components(sys) if exact else {}
    seen: dict[int, list[dict[str, float]]] = defaultdict(list)  # component -> solutions
    for key, (report, what, thr, how) in sorted(sys.targets.items()):
        lo, hi = sys.lo[key], sys.hi[key]
        if hi < 1 or lo >= thr:
            continue
        if lo < hi and exact and hi - lo <= 10 * thr:
            cons = comps.get(key, [])
            if len({w[key] for w in seen[id(cons)] if key in w}) > 1:
                continue  # two possible values already seen: not pinned
            rng = _milp_range(sys, key, cons, seen[id(cons)])
            if rng is not None:
                lo, hi = max(lo, rng[0]), min(hi, rng[1])
        if lo == hi and 0 < lo < thr:
            found.append(Finding(report, what, int(lo), how, key))
    return found


def _first_infeasible(sys: System) -> str:
    """The reason of a constraint that cannot hold (for the error message)."""
    for terms, clo, chi, why in sys.cons:
        smin = sum(a * (sys.lo[k] if a > 0 else sys.hi[k]) for k, a in terms.items())
        smax = sum(a * (sys.hi[k] if a > 0 else sys.lo[k]) for k, a in terms.items())
        if smin > chi + 1e-6 or smax < clo - 1e-6:
            return why
    return "?"


# --------------------------------------------------------------------------- reading rules
class Reader:
    """Turns published reports into unknowns, constraints and targets."""

    def __init__(self, reports: Sequence[Report]) -> None:
        self.reports = list(reports)
        self.sys = System()
        self.direct: list[Finding] = []
        # table cell unknown -> (report, caption, row label, column); shown count or None
        self.where: dict[str, tuple[str, str, str, str]] = {}
        self.shown: dict[str, int | None] = {}
        self.across: set[int] = set()  # indices of constraints between two reports

    # -- cells
    def cell(self, rep: Report, key: str, text: str, what: str) -> str | None:
        """An unknown for a count cell (``12``, ``<5``, ``x``); None for anything else."""
        thr = rep.threshold
        n = _count(text)
        small = _SMALL.match(text)
        if n is not None:
            self.sys.var(key, n, n)
        elif small:
            self.sys.var(key, 1, int(small.group(1)) - 1)
        elif text == "x":
            self.sys.var(key, thr, INF)
        else:
            return None
        self.sys.target(key, rep.name, what, thr, "vist i tabel" if n is not None else "skjult")
        return key

    def share(self, rep: Report, x: str, n: str, p: float, half: float, why: str) -> None:
        """``x / n`` is ``p`` to within ``half``; the complement ``n - x`` is a count."""
        self.sys.add({x: 1.0, n: -(p + half)}, -INF, 0.0, why)
        self.sys.add({x: 1.0, n: -(p - half)}, 0.0, INF, why)
        self.complement(rep, x, n, why)

    def complement(self, rep: Report, x: str, n: str, why: str) -> None:
        c = f"{x}|komplement"
        self.sys.add({c: 1.0, x: 1.0, n: -1.0}, 0.0, 0.0, why)
        self.sys.target(c, rep.name, f"{x.split('|', 1)[1]}: resten af n", rep.threshold, why)

    # -- tables
    def table(self, rep: Report, t: Table) -> dict[tuple[int, int], str]:
        if t.caption.startswith(_SKIP_CAPTIONS) or not t.header:
            return {}
        base = f"{rep.name}|{t.section}|{t.caption}"
        counts = [
            j
            for j, h in enumerate(t.header)
            if j > 0
            and h.lower() not in _NOT_COUNTS
            and any(r[j] not in ("–", "") for r in t.rows if len(r) > j)
            and all(
                r[j] in ("–", "", "x") or _count(r[j]) is not None or _SMALL.match(r[j])
                for r in t.rows
                if len(r) > j
            )
        ]
        t.labels = _row_labels(t, counts)
        cells: dict[tuple[int, int], str] = {}
        for i, r in enumerate(t.rows):
            for j in counts:
                if j < len(r):
                    key = self.cell(
                        rep,
                        f"{base}|{t.labels[i]}|{t.header[j]}",
                        r[j],
                        f"{t.caption}: {t.labels[i]}, {t.header[j]}",
                    )
                    if key:
                        cells[(i, j)] = key
                        self.where[key] = (rep.name, t.caption, t.labels[i], t.header[j])
                        self.shown[key] = _count(r[j])
        self._margins(rep, t, cells, counts)
        self._shares(rep, t, cells, counts, base)
        return cells

    def _margins(self, rep: Report, t: Table, cells: dict, counts: list[int]) -> None:
        low = [h.lower() for h in t.header]
        total_cols = [j for j in counts if low[j] in ("i alt", "startet i alt")]
        total_rows = [i for i, r in enumerate(t.rows) if r and r[0].lower() == "i alt"]
        parts_cols = [j for j in counts if j not in total_cols and low[j] != "n"]
        for i in range(len(t.rows)):
            for jt in total_cols:
                terms = {cells[(i, j)]: 1.0 for j in parts_cols if (i, j) in cells}
                if (i, jt) in cells and terms and len(terms) == len(parts_cols):
                    terms[cells[(i, jt)]] = -1.0
                    self.sys.add(terms, 0, 0, f"{t.caption}: række {t.rows[i][0]} summerer")
        for it in total_rows:
            for j in counts:
                if low[j] == "n":
                    continue
                parts = [i for i in range(len(t.rows)) if i not in total_rows]
                terms = {cells[(i, j)]: 1.0 for i in parts if (i, j) in cells}
                if (it, j) in cells and terms and len(terms) == len(parts):
                    terms[cells[(it, j)]] = -1.0
                    self.sys.add(terms, 0, 0, f"{t.caption}: kolonne {t.header[j]} summerer")

    def _shares(self, rep: Report, t: Table, cells: dict, counts: list[int], base: str) -> None:
        low = [h.lower() for h in t.header]
        ncol = next((j for j in counts if low[j] in _N_HEADERS), None)
        total_row = next((i for i, r in enumerate(t.rows) if r and r[0].lower() == "i alt"), None)
        pairs: dict[int, tuple[int | None, tuple[str, int]]] = {}
        for j, h in enumerate(low):
            if not h.startswith("andel") and "andel (n)" not in h:
                continue
            for i, r in enumerate(t.rows):
                if j >= len(r):
                    continue
                lab = t.labels[i]
                text = r[j]
                m = _PCT_N.match(text)
                if m:  # "34,0 % (50)": share and its n in one cell
                    nkey = self.cell(
                        rep, f"{base}|{lab}|{t.header[j]}|n", m.group(2), f"{t.caption}: {lab}, n"
                    )
                    pct = _pct(m.group(1))
                    if nkey and pct:
                        x = self.sys.var(f"{base}|{lab}|{t.header[j]}|x")
                        self.share(rep, x, nkey, *pct, f"{t.caption}: {lab}, andel af n")
                    elif nkey:
                        self.complement(
                            rep,
                            self.sys.var(f"{base}|{lab}|{t.header[j]}|x"),
                            nkey,
                            f"{t.caption}: {lab}",
                        )
                    continue
                pct = _pct(text)
                num, den = pairs.get(j) or self._share_pair(t, cells, counts, j, ncol, total_row)
                pairs[j] = (num, den)
                n = cells.get((total_row, den[1]) if den[0] == "total" else (i, den[1]))
                if n is None or (den[0] == "total" and i == total_row):
                    continue
                if num is not None and (i, num) in cells:
                    x = cells[(i, num)]
                else:
                    x = self.sys.var(f"{base}|{lab}|{t.header[j]}|x")
                if pct is not None and pct[0] >= 0:
                    self.share(rep, x, n, *pct, f"{t.caption}: {lab}, {t.header[j]} af n")
                elif self.sys.lo[x] != self.sys.hi[x]:
                    # a hidden share hides its count too; a shown count with "–" beside it
                    # is no share (e.g. praktikforløb per deltager)
                    self.complement(rep, x, n, f"{t.caption}: {lab}")

    def _share_pair(
        self, t: Table, cells: dict, counts: list[int], j: int, ncol: int | None, total_row
    ) -> tuple[int | None, tuple[str, int]]:
        """Which counts a share column divides, as a careful reader finds out.

        Candidates: the ``n`` column, then the count columns before the share (nearest
        first), then the column's total row; the numerator is a count column before the
        share or unknown. The first pair for which every shown share is a whole number of
        persons of its denominator (and, with a numerator, that number) is taken.
        """
        low = [h.lower() for h in t.header]
        before = [c for c in reversed(counts) if c < j]
        dens: list[tuple[str, int]] = [("col", ncol)] if ncol is not None else []
        dens += [("col", c) for c in before if c != ncol]
        if total_row is not None and j - 1 in counts:
            dens.append(("total", j - 1))
        default_num = next((c for c in before if c != ncol and low[c] != "i alt"), None)
        default = (default_num, dens[0]) if dens else (None, ("col", -1))
        for den in dens:
            nums = [c for c in before if low[c] != "i alt" and (c != den[1] or den[0] == "total")]
            for num in [*nums, None]:
                checked = 0
                ok = True
                for i, r in enumerate(t.rows):
                    pct = _pct(r[j]) if j < len(r) else None
                    dkey = cells.get((total_row, den[1]) if den[0] == "total" else (i, den[1]))
                    if pct is None or dkey is None or (den[0] == "total" and i == total_row):
                        continue
                    if self.sys.lo[dkey] != self.sys.hi[dkey] or self.sys.lo[dkey] <= 0:
                        continue
                    nn = self.sys.lo[dkey]
                    p, half = pct
                    if num is not None and (i, num) in cells:
                        xk = cells[(i, num)]
                        if self.sys.lo[xk] == self.sys.hi[xk]:
                            ok = abs(self.sys.lo[xk] / nn - p) <= half + 1e-12
                            checked += ok
                            if not ok:
                                break
                            continue
                    lo_k, hi_k = (
                        math.ceil((p - half) * nn - 1e-9),
                        math.floor((p + half) * nn + 1e-9),
                    )
                    if lo_k > hi_k or hi_k < 0 or lo_k > nn:
                        ok = False
                        break
                    checked += num is None
                if ok and checked:
                    return num, den
        return default

    # -- links within a section
    def section_links(self, rep: Report, tables: list[tuple[Table, dict]]) -> None:
        """``Svar 4-5`` = ``Svar 4`` + ``Svar 5``; ``Svar (n)`` = ``I alt``, by row label."""
        by_label: dict[tuple[str, str, str], str] = {}
        for t, cells in tables:
            for (i, j), key in cells.items():
                by_label[(t.section, t.labels[i], t.header[j].lower())] = key
        for (section, row, head), key in list(by_label.items()):
            m = _SVAR_RANGE.match(head)
            if m:
                stem, a, b = m.group(1), int(m.group(2)), int(m.group(3))
                parts = [by_label.get((section, row, f"{stem}{v}")) for v in range(a, b + 1)]
                if all(parts):
                    terms = {p: 1.0 for p in parts}
                    terms[key] = -1.0
                    self.sys.add(terms, 0, 0, f"{head} = summen af svarene ({row})")
            if head == "svar (n)" and (section, row, "i alt") in by_label:
                self.sys.add({key: 1.0, by_label[(section, row, "i alt")]: -1.0}, 0, 0,
                             f"svar (n) = i alt ({row})")  # fmt: skip

    # -- results.json
    def results(self, rep: Report) -> None:
        res = rep.results or {}
        thr = rep.threshold
        for c in res.get("criteria", []):
            n = c.get("n") or 0
            if c.get("kind") not in _SHARE_KINDS or c.get("unit") != "share" or n <= 0:
                continue
            base = f"{rep.name}|kriterium|{c['id']}"
            nkey = self.sys.var(f"{base}|n", n, n)
            self.sys.target(nkey, rep.name, f"kriterium {c['id']}: n", thr, "results.json")
            x = self.sys.var(f"{base}|x", 0, n)
            self.sys.target(x, rep.name, f"kriterium {c['id']}: x", thr, "results.json")
            self.complement(rep, x, nkey, f"kriterium {c['id']}")
            est = c.get("estimate")
            if est is not None:
                self.share(rep, x, nkey, float(est), 1e-7, f"kriterium {c['id']}: estimat")
            elif c.get("lower") is not None and c.get("upper") is not None:
                ks = _wilson_counts(n, c["lower"], c["upper"])
                self.sys.allow(x, ks)
            if est is None and c.get("suppressed") and n >= thr:
                # hidden for small numbers: the count or its complement is 1..thr-1, and
                # the published reason may say which
                why = f"{c.get('reason', '')} {c.get('remark', '')}"
                small = set()
                if "uden for andelen" in why or "i tælleren" not in why:
                    small |= set(range(max(n - thr + 1, 0), n))
                if "i tælleren" in why or "uden for andelen" not in why:
                    small |= set(range(1, min(thr, n + 1)))
                self.sys.allow(x, small)
            details = c.get("details") or {}
            if "x" in details:
                self.sys.add(
                    {x: 1.0}, details["x"], details["x"], f"kriterium {c['id']}: details.x"
                )
            if est is None:
                self.sys.allow(x, _verdict_values(c, n))

    # -- figures against the tables of their section
    def figures(self, rep: Report, tables: list[tuple[Table, dict]]) -> None:
        for fig in rep.figures:
            if not fig.data:
                continue
            for ax in fig.data["axes"]:
                if ax.get("ylabel", "").lower().startswith("andel på ydelse"):
                    self._km(rep, fig, ax)
                elif ax.get("ylabel", "").lower().startswith("andel"):
                    self._share_lines(rep, fig, ax, tables)

    def _row_n(self, tables: list[tuple[Table, dict]], fig: Figure) -> list[dict[Any, tuple]]:
        """For each count column of the figure's table: row label -> (unknown, table, row).

        The figure's table is the first week or month table after it in its section; the
        ``n`` column comes first, then the other count columns (a drawn share may be of any
        of them, e.g. of those on benefit).
        """
        mine = [
            (t, c) for t, c in tables
            if t.section == fig.section and t.order > fig.order and t.header
            and t.header[0].lower() in ("uge", "måned")
        ]  # fmt: skip
        out: list[dict[Any, tuple]] = []
        for t, cells in sorted(mine, key=lambda tc: tc[0].order)[:1]:
            first = t.header[0].lower()
            cols = sorted({j for _, j in cells}, key=lambda j: (t.header[j].lower() != "n", j))
            for j in cols:
                col: dict[Any, tuple] = {}
                for i, r in enumerate(t.rows):
                    label = _row_key(first, r[0])
                    if label is not None and (i, j) in cells:
                        col[label] = (cells[(i, j)], t, i)
                if col:
                    out.append(col)
        return out

    def _share_lines(self, rep: Report, fig: Figure, ax: dict, tables: list) -> None:
        columns = self._row_n(tables, fig)
        if not columns:
            return
        monthly = any(isinstance(k, tuple) for k in columns[0])
        for line in ax["lines"]:
            if line["linestyle"] not in ("-",) or line["drawstyle"] != "default":
                continue
            if not line.get("transform_is_data", True):
                continue
            rows = next((c for c in columns if self._is_share_of_n(line, c, monthly)), None)
            if rows is None:
                continue  # e.g. a national share drawn beside the project's
            for xv, yv in zip(line["x"], line["y"], strict=True):
                if xv is None or yv is None or not 0 <= yv <= 1:
                    continue
                key = _month_key(xv) if monthly else round(xv)
                if key not in rows:
                    continue
                n, t, i = rows[key]
                x = self.sys.var(f"{n}|tegnet andel|{line['label']}")
                self.share(rep, x, n, yv, 1e-9, f"figur ({fig.section}): andel i {t.rows[i][0]}")
                self.sys.target(
                    x,
                    rep.name,
                    f"figur {fig.section}: antal i {t.rows[i][0]}",
                    rep.threshold,
                    "figurens andel x n",
                )
        for bi, band in enumerate(ax["fills"]):
            xs, ys = band["x"], band["y"]
            pts: dict[Any, list[float]] = defaultdict(list)
            for xv, yv in zip(xs, ys, strict=True):
                if xv is not None and yv is not None:
                    pts[_month_key(xv) if monthly else round(xv)].append(yv)
            for key, vals in pts.items():
                if len(vals) < 2:
                    continue
                for rows in columns:
                    if key not in rows:
                        continue
                    n, t, i = rows[key]
                    if self.sys.lo[n] != self.sys.hi[n] or self.sys.lo[n] <= 0:
                        continue
                    nn = int(self.sys.lo[n])
                    lo, hi = min(vals), max(vals)
                    ks = _wilson_counts(nn, lo, hi, tol=1e-6)
                    if len(ks) != 1:
                        continue
                    x = self.sys.var(f"{n}|tegnet bånd {bi}")
                    why = f"figur ({fig.section}): bånd i {t.rows[i][0]}"
                    self.sys.add({x: 1.0}, ks[0], ks[0], why)
                    self.complement(rep, x, n, why)
                    self.sys.target(
                        x,
                        rep.name,
                        f"figur {fig.section}: antal i {t.rows[i][0]}",
                        rep.threshold,
                        "figurens bånd (Wilson)",
                    )
                    break

    def _is_share_of_n(self, line: dict, rows: dict, monthly: bool) -> bool:
        """Every drawn value at a row with a known n is a whole number of persons of n."""
        seen = False
        for xv, yv in zip(line["x"], line["y"], strict=True):
            if xv is None or yv is None:
                continue
            key = _month_key(xv) if monthly else round(xv)
            if key not in rows:
                continue
            n = rows[key][0]
            if self.sys.lo[n] != self.sys.hi[n]:
                continue
            k = yv * self.sys.lo[n]
            if not 0 <= yv <= 1 or abs(k - round(k)) > 1e-6:
                return False
            seen = True
        return seen

    def _km(self, rep: Report, fig: Figure, ax: dict) -> None:
        """Events at each drawn step: height x number at risk (with n from the legend)."""
        steps = [
            ln
            for ln in ax["lines"]
            if ln["drawstyle"].startswith("steps") and ln["linestyle"] == "-"
        ]
        marks = [ln for ln in ax["lines"] if ln["marker"] == "|"]
        for line in steps:
            m = re.search(r"\(n = ([\d.]+)\)", line["label"])
            if not m:
                continue
            n = int(m.group(1).replace(".", ""))
            xs = [v for v in line["x"] if v is not None]
            ys = [v for v in line["y"] if v is not None]
            cens = sorted(
                {round(v, 9) for mk in marks for v, w in zip(mk["x"], mk["y"], strict=True)
                 if v is not None and w is not None and _on_curve(v, w, xs, ys)}
            )  # fmt: skip
            for f in _km_events(xs, ys, n, cens, rep.threshold):
                self.direct.append(
                    Finding(
                        rep.name,
                        f"{fig.section}: {line['label']}: {f[0]}",
                        f[1],
                        "trinhøjde x antal i risiko",
                    )
                )

    # -- across reports
    def hierarchy(self, per_report: dict[str, dict[str, str]]) -> None:
        """A report on the whole project equals the sum of its reports per kommune."""
        groups: dict[tuple[str, str], dict[str, Any]] = defaultdict(
            lambda: {"parent": None, "children": [], "skipped": []}
        )
        for rep in self.reports:
            res = rep.results or {}
            if "project" not in res:
                continue
            g = groups[(res["project"], res.get("report_kind", ""))]
            if rep.skipped:
                g["skipped"].append(rep)
            elif res.get("subset"):
                g["children"].append(rep)
            else:
                g["parent"] = rep
        for (project, kind), g in groups.items():
            parent, children, skipped = g["parent"], g["children"], g["skipped"]
            if parent is None or not children:
                continue
            thr = parent.threshold
            why = f"{project} {kind}: hele landet = summen af kommunerne"
            rest = parent.results.get("n_participants", 0) - sum(
                c.results.get("n_participants", 0) for c in children
            )
            if rest and not len(skipped) <= rest <= len(skipped) * (thr - 1):
                continue  # the parts (with those too small for a report) are not the whole
            if rest:  # the parts without a report: 1..thr-1 participants each, `rest` in all
                terms = {}
                for s in skipped:
                    k = self.sys.var(f"{s.name}|deltagere", 1, thr - 1)
                    self.sys.target(k, s.name, "deltagere (ingen rapport)", thr,
                                    "hele landet minus de offentliggjorte kommuner")  # fmt: skip
                    terms[k] = 1.0
                self.across.add(len(self.sys.cons))
                self.sys.add(terms, rest, rest, f"{why} (deltagere)")
            for local, key in per_report.get(parent.name, {}).items():
                terms = {key: -1.0}
                for child in children:
                    ck = per_report.get(child.name, {}).get(local)
                    terms[ck or self.sys.var(f"{child.name}|{local}|ukendt")] = 1.0
                for s in skipped if rest else []:
                    k = self.sys.var(f"{s.name}|{local}")
                    self.sys.target(k, s.name, f"{local} (ingen rapport)", thr,
                                    "hele landet minus de offentliggjorte kommuner")  # fmt: skip
                    terms[k] = 1.0
                self.across.add(len(self.sys.cons))
                self.sys.add(terms, 0, 0, f"{why} ({local})")

    def over_time(self, per_report: dict[str, dict[str, str]]) -> None:
        """A status report against the later reports of the same project (and subset).

        Counts that only grow with time differ between two reports by a group of persons:
        participants started and ended (in all and per target group: those who started or
        ended in between) and each share criterion's n (those who became countable in
        between). Every pair of reports of a series is differenced, not only neighbours: a
        count hidden in the middle report does not hide the difference of the other two.
        """
        series: dict[tuple[str, str], list[tuple[str, Report]]] = defaultdict(list)
        for rep in self.reports:
            res = rep.results or {}
            if "project" in res and not rep.skipped:
                key = (res["project"], json.dumps(res.get("subset") or {}, sort_keys=True))
                series[key].append((res.get("as_of") or "9999-12-31", rep))
        for (project, _), reps in series.items():
            reps.sort(key=lambda d_r: (d_r[0], d_r[1].name))
            for (d0, early), (d1, late) in itertools.combinations(reps, 2):
                if d0 == d1:
                    continue
                mine, theirs = per_report.get(early.name, {}), per_report.get(late.name, {})
                pairs = [
                    (mine[k], theirs[k], ", ".join(k.split("|")[1:]))
                    for k in mine
                    if k.startswith(_FLOW) and k.endswith(_GROWING) and k in theirs
                ]
                known = [("deltagere", early.results.get("n_participants"),
                          late.results.get("n_participants"))]  # fmt: skip
                for k in mine:
                    if k.startswith("kriterium ") and k.endswith(" n") and k in theirs:
                        known.append((k, self.sys.lo.get(mine[k]), self.sys.lo.get(theirs[k])))
                for what, a, b in known:
                    if a is not None and b is not None and b >= a:
                        pairs.append(
                            (self.sys.var(f"{early.name}|{what}|over tid", a, a),
                             self.sys.var(f"{late.name}|{what}|over tid", b, b), what)
                        )  # fmt: skip
                for ka, kb, what in pairs:
                    diff = self.sys.var(f"{kb}|forskel mod {early.name}")
                    self.across.add(len(self.sys.cons))
                    self.sys.add({diff: 1.0, kb: -1.0, ka: 1.0}, 0, 0, f"{project}: over tid")
                    self.sys.target(
                        diff,
                        late.name,
                        f"{what}: forskel mellem {d0} og {d1} (mod {early.name})",
                        late.threshold,
                        "forskel mellem to rapporter",
                    )

    # -- everything
    def read(self) -> None:
        per_report: dict[str, dict[str, str]] = {}
        for rep in self.reports:
            tables = [(t, self.table(rep, t)) for t in rep.tables]
            self.section_links(rep, tables)
            self.results(rep)
            self.figures(rep, tables)
            self.alt_texts(rep)
            local = {}
            for t, cells in tables:
                if t.caption.startswith("Deltagere efter målgruppe og status"):
                    for (i, j), key in cells.items():
                        local[f"{t.caption}|{t.labels[i]}|{t.header[j]}"] = key
            for c in (rep.results or {}).get("criteria", []):
                if c.get("kind") in _SHARE_KINDS and (c.get("n") or 0) > 0:
                    local[f"kriterium {c['id']} x"] = f"{rep.name}|kriterium|{c['id']}|x"
                    local[f"kriterium {c['id']} n"] = f"{rep.name}|kriterium|{c['id']}|n"
            per_report[rep.name] = local
        self.hierarchy(per_report)
        self.over_time(per_report)

    def alt_texts(self, rep: Report) -> None:
        """``(…, n = 350): … 30,0 %`` in a non-survival alt text is a share of n."""
        for fig in rep.figures:
            if fig.alt.startswith("Overlevelseskurve") or "n = " not in fig.alt:
                continue
            m = re.search(r"n = ([\d.]+)\)", fig.alt)
            if not m:
                continue
            n = int(m.group(1).replace(".", ""))
            for pm in re.finditer(r"(\d+(?:,\d+)?) ?%", fig.alt[m.end() :]):
                p, half = _pct(pm.group(1) + " %")
                ks = [k for k in range(n + 1) if abs(k / n - p) <= half + 1e-12]
                if len(ks) == 1:
                    k = ks[0]
                    for v, what in ((k, "andel af n"), (n - k, "resten af n")):
                        if 0 < v < rep.threshold:
                            self.direct.append(
                                Finding(
                                    rep.name,
                                    f"alt-tekst ({fig.section}): {what}",
                                    v,
                                    "procent af n i alt-teksten",
                                )
                            )


def attack(reports: Sequence[Report], exact: bool = True) -> list[Finding]:
    """Every person count ``0 < n < threshold`` that the published numbers reveal."""
    return attack_with(Reader(reports), exact)


def attack_with(reader: Reader, exact: bool = True) -> list[Finding]:
    """:func:`attack` with a reader whose unknowns and constraints are kept for a look."""
    reader.read()
    found = solve(reader.sys, exact=exact) + reader.direct
    for f in found:
        if f.key in reader.where:
            f.cell = reader.where[f.key][1:]
    unique = {(f.report, f.what, f.value): f for f in reversed(found)}  # one per count
    return sorted(unique.values(), key=lambda f: (f.report, f.what))


# --------------------------------------------------------------------------- helpers
def _row_labels(t: Table, counts: list[int]) -> list[str]:
    """A name for each row: its text columns before the first count, made unique.

    ``Jobparate`` / ``medinddragende`` gives ``Jobparate: medinddragende``, the label the
    answer distribution beside it uses for the same row.
    """
    first = min(counts) if counts else 1
    labels = [": ".join(c for c in r[: max(first, 1)] if c) for r in t.rows]
    seen: dict[str, int] = defaultdict(int)
    for lab in labels:
        seen[lab] += 1
    used: dict[str, int] = defaultdict(int)
    out = []
    for lab in labels:
        used[lab] += 1
        out.append(lab if seen[lab] == 1 else f"{lab} #{used[lab]}")
    return out


def _row_key(first: str, label: str) -> Any:
    if first == "uge":
        try:
            return int(label.replace(_MINUS, "-"))
        except ValueError:
            return None
    parts = label.split()
    if len(parts) == 2 and parts[0] in _MONTHS and parts[1].isdigit():
        return (int(parts[1]), _MONTHS.index(parts[0]) + 1)
    return None


def _month_key(x: float) -> tuple[int, int]:
    d = dt.date(1970, 1, 1) + dt.timedelta(days=round(x))
    return (d.year, d.month)


@functools.cache
def _z(alpha: float) -> float:
    return float(norm.isf(alpha / 2))


def _wilson(k: Any, n: int, alpha: float = 0.05) -> tuple[Any, Any]:
    """Wilson limits of ``k / n`` (``k`` a count or an array of counts)."""
    z = _z(alpha)
    p = np.asarray(k, dtype=float) / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return np.maximum(0.0, mid - half), np.minimum(1.0, mid + half)


def _wilson_counts(n: int, lo: float, hi: float, tol: float = 1e-6) -> list[int]:
    """Every count ``k`` of ``0..n`` whose Wilson interval is ``(lo, hi)`` (within ``tol``)."""
    a, b = _wilson(np.arange(n + 1), n)
    return np.flatnonzero((np.abs(a - lo) <= tol) & (np.abs(b - hi) <= tol)).tolist()


def _on_curve(x: float, y: float, xs: list[float], ys: list[float]) -> bool:
    i = int(np.searchsorted(np.asarray(xs), x, side="right")) - 1
    return 0 <= i < len(ys) and abs(ys[i] - y) < 1e-9


def _km_events(
    xs: list[float], ys: list[float], n: int, censor_times: list[float], thr: int
) -> list[tuple[str, int]]:
    """Event counts recoverable from a drawn Kaplan-Meier step curve.

    At each drop of the curve ``S_j / S_{j-1} = 1 - d_j / n_j``; the number at risk
    ``n_j`` is ``n`` minus the events and censorings before (a curve is drawn only while
    at least ``thr`` are at risk). A censoring mark stands for at least one censoring,
    so ``n_j`` is tracked as a range; a step for which every consistent ``n_j`` gives
    the same whole ``d_j`` reveals it.
    """
    out = []
    times, values = [], []
    prev = 1.0
    for x, y in sorted(zip(xs, ys, strict=True)):
        if y < prev - 1e-12:
            times.append(x)
            values.append(y)
            prev = y
    cens = np.asarray(censor_times, dtype=float)
    r_lo = r_hi = n  # at risk after the previous step, before censorings
    last_t, s_prev = -INF, 1.0
    for t, s in zip(times, values, strict=True):
        marks = int(((cens >= last_t) & (cens < t)).sum())
        lo, hi = (r_lo, r_hi) if marks == 0 else (1, r_hi - marks)
        ratio = s / s_prev
        cands = []
        for nj in range(max(lo, thr), hi + 1):
            d = nj * (1 - ratio)
            if abs(d - round(d)) < 1e-6 and 1 <= round(d) <= nj:
                cands.append((nj, round(d)))
        ds = {d for _, d in cands}
        if len(ds) == 1 and (d := next(iter(ds))) < thr:
            out.append((f"afgange i uge {t:g}", d))
        if cands:
            r_lo, r_hi = min(a - b for a, b in cands), max(a - b for a, b in cands)
        else:
            r_lo, r_hi = 1, max(hi, 1)
        s_prev, last_t = s, t
    return out


def _verdict_values(c: dict[str, Any], n: int) -> set[int]:
    """The counts ``x`` of a hidden share that give the published verdicts.

    Uses the published rule (:func:`evalkit.verdicts.judge_share`): the verdict against
    the target and, in a status report, the progress word against the path value.
    """
    from evalkit.verdicts import PROGRESS_WORDS, judge_share

    ok = set(range(n + 1))
    direction = c.get("direction", "min")
    census = bool(c.get("census", False))
    checks = []
    if c.get("target") is not None and c.get("verdict") in ("opfyldt", "ikke opfyldt", "usikkert"):
        checks.append((float(c["target"]), c["verdict"], c.get("leaning"), False))
    if c.get("path_value") is not None and c.get("progress") not in (
        None,
        "kan ikke afgøres",
        "intet mål",
    ):
        checks.append((float(c["path_value"]), c["progress"], None, True))
    for target, said, leaning, progress in checks:
        keep = set()
        for k in ok:
            v = judge_share(k, n, target, direction, census=census)
            word = PROGRESS_WORDS[v.verdict] if progress else v.verdict
            if word == said and (leaning is None or v.leaning == leaning):
                keep.add(k)
        ok = keep
    return ok
