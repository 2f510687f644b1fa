"""The projektleder's own text for the slutevaluering: a Markdown file with named headings.

A final report to STAR has parts no data can write: how the core elements were
implemented against the time plan, where the project deviated from the application, what
was learnt, how the work is anchored (forankring), and the date and signature. The
projektleder writes them in ``projects/<slug>.slutevaluering.md`` beside the config, one
``## heading`` per part (:data:`PARTS`)::

    # Slutevaluering: Opkvalificering på transportområdet
    ## Implementering af kerneelementer
    ...
    ## Dato og underskrift
    Dato: 2021-02-26
    Underskriver: Jobcenterchef, Herning Kommune

:func:`read_narrative` splits the file into its parts (headings are matched without regard
to case and spacing) and lists every problem: a missing file or part, an empty part, an
unknown heading (with the nearest known one), text before the first heading, a signature
without a date or a signer. :func:`render_markdown` renders a part safely: raw HTML is
escaped, images are not loaded (a report stays self-contained), links keep
markdown-it's check against ``javascript:`` and similar URLs.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

__all__ = [
    "PARTS",
    "Narrative",
    "NarrativeProblem",
    "read_narrative",
    "render_markdown",
]

# key -> the heading the file must have, and what the part is for (shown in placeholders)
PARTS: dict[str, tuple[str, str]] = {
    "implementering": (
        "Implementering af kerneelementer",
        "hvordan kerneelementerne er gennemført i forhold til ansøgningens tidsplan",
    ),
    "afvigelser": (
        "Afvigelser fra ansøgningen",
        "hvor og hvorfor projektet har afveget fra ansøgningen",
    ),
    "erfaringer": ("Erfaringer", "projektets vigtigste erfaringer"),
    "forankring": (
        "Forankring",
        "hvordan indsatsen forankres og videreformidles efter projektperioden",
    ),
    "underskrift": (
        "Dato og underskrift",
        "linjerne «Dato: åååå-mm-dd» og «Underskriver: navn og titel»",
    ),
}
_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
           "september", "oktober", "november", "december")  # fmt: skip
_DATE_DA = re.compile(r"^(\d{1,2})\.\s*([a-zæøå]+)\s+(\d{4})$")


@dataclass(frozen=True)
class NarrativeProblem:
    """One thing missing or wrong in the narrative file (printed as ``file: heading: what``)."""

    file: str
    heading: str
    what: str

    def __str__(self) -> str:
        where = f"heading '## {self.heading}'" if self.heading else "the file"
        return f"{self.file}: {where}: {self.what}"


@dataclass(frozen=True)
class Narrative:
    """The parts of a narrative file (Markdown source by key) and its problems."""

    path: Path
    parts: dict[str, str] = field(default_factory=dict)
    problems: tuple[NarrativeProblem, ...] = ()
    signed: dt.date | None = None
    signer: str = ""

    @property
    def complete(self) -> bool:
        """True when every part is written and there is nothing to correct."""
        return not self.problems

    def missing(self, key: str) -> bool:
        """True when part ``key`` is absent or empty."""
        return not self.parts.get(key, "").strip()


def _norm(text: str) -> str:
    return " ".join(text.replace("*", "").replace("_", " ").split()).casefold()


def _md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")


def render_markdown(text: str) -> str:
    """Markdown to HTML for a report: raw HTML escaped, no images, headings one level down.

    A part's own ``#``/``##`` headings become ``h3`` (the part itself is an ``h2``).

    >>> render_markdown("Tekst med <b>html</b> og **fed**.")
    '<p>Tekst med &lt;b&gt;html&lt;/b&gt; og <strong>fed</strong>.</p>\\n'
    """
    md = _md()
    tokens = md.parse(text)
    for tok in tokens:
        if tok.type in ("heading_open", "heading_close") and tok.tag in ("h1", "h2"):
            tok.tag = "h3"
    return md.renderer.render(tokens, md.options, {})


def _parse_date(text: str) -> dt.date | None:
    text = text.strip().rstrip(".")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    m = _DATE_DA.match(text.casefold())
    if m and m.group(2) in _MONTHS:
        try:
            return dt.date(int(m.group(3)), _MONTHS.index(m.group(2)) + 1, int(m.group(1)))
        except ValueError:
            return None
    return None


def _signature(file: str, body: str) -> tuple[dt.date | None, str, list[NarrativeProblem]]:
    heading = PARTS["underskrift"][0]
    date_line = re.search(r"^\s*Dato:\s*(.+?)\s*$", body, re.M | re.I)
    signer = re.search(r"^\s*Underskriver:\s*(.+?)\s*$", body, re.M | re.I)
    problems = []
    date = _parse_date(date_line.group(1)) if date_line else None
    if date_line is None:
        problems.append(NarrativeProblem(file, heading, "missing the line 'Dato: yyyy-mm-dd'"))
    elif date is None:
        problems.append(
            NarrativeProblem(
                file,
                heading,
                f"expected a date like 2021-02-26 or 26. februar 2021, got {date_line.group(1)!r}",
            )
        )
    if signer is None:
        problems.append(
            NarrativeProblem(file, heading, "missing the line 'Underskriver: name and title'")
        )
    return date, (signer.group(1) if signer else ""), problems


def read_narrative(path: str | Path) -> Narrative:
    """Read a narrative file and list what is missing or wrong.

    Parameters
    ----------
    path : str or Path
        The Markdown file (``projects/<slug>.slutevaluering.md``).

    Returns
    -------
    Narrative
        Never raises for a missing or incomplete file: the problems say what to write.
    """
    path = Path(path)
    file = path.name
    if not path.is_file():
        problems = [NarrativeProblem(file, "", "no such file; write it beside the config")]
        problems += [NarrativeProblem(file, h, "missing") for h, _ in PARTS.values()]
        return Narrative(path, {}, tuple(problems))
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tokens = _md().parse(text)
    heads = [
        (i, tok.map[0], tok.map[1], tokens[i + 1].content)
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open" and tok.tag == "h2" and tok.map
    ]
    by_heading = {_norm(h): key for key, (h, _) in PARTS.items()}
    problems: list[NarrativeProblem] = []
    first = heads[0][1] if heads else len(lines)
    before = [
        t
        for t in tokens
        if t.level == 0 and t.map and t.map[0] < first
        and not (t.type == "heading_open" and t.tag == "h1")
    ]  # fmt: skip
    if before:
        problems.append(
            NarrativeProblem(file, "", "text before the first '## heading' is not shown")
        )
    parts: dict[str, str] = {}
    for n, (_, _start, end, title) in enumerate(heads):
        stop = heads[n + 1][1] if n + 1 < len(heads) else len(lines)
        body = "\n".join(lines[end:stop]).strip()
        key = by_heading.get(_norm(title))
        if key is None:
            known = [h for h, _ in PARTS.values()]
            close = difflib.get_close_matches(title, known, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(
                NarrativeProblem(file, title, f"unknown heading{hint}; known: {', '.join(known)}")
            )
            continue
        if key in parts:
            problems.append(NarrativeProblem(file, title, "appears twice"))
            continue
        parts[key] = body
    for key, (heading, _) in PARTS.items():
        if key not in parts:
            problems.append(NarrativeProblem(file, heading, "missing"))
        elif not parts[key].strip():
            problems.append(NarrativeProblem(file, heading, "empty"))
    signed, signer = None, ""
    if parts.get("underskrift", "").strip():
        signed, signer, extra = _signature(file, parts["underskrift"])
        problems += extra
    return Narrative(path, parts, tuple(problems), signed, signer)
