"""The one table of Danish labels: code in the data -> the word a reader sees.

Codes in data files and configs are ASCII and fixed (``ressourceforloeb``, ``smaajob``,
``foertidspension``); a report shows Danish words (``ressourceforløb``, ``småjob``,
``førtidspension``). Every report section, figure legend, alt text and label in
``results.json`` takes its words from here, never from a code:

>>> label("status", "foertidspension")
'førtidspension'
>>> target_group("forsikret")
'forsikrede ledige'
>>> activity("smaajob")
'småjob'
>>> join_labels("status", ["uddannelse", "doed"])
'uddannelse og død'

For contributors: add a new code as one line in the table of its kind below (not in a
local dict in a report module), and write the label as Danish official statistics would
(lower case; the caller capitalises at the start of a sentence or a table cell). A code
that is not in the table is shown as it is (a project's own Danish word, e.g. a
target group ``unge``), so the table must hold every code whose spelling is not Danish:
``tests/test_labels.py`` scans every demo report for the codes of :func:`ascii_codes`.

Numbers have their own module: :mod:`evalkit.formatting` (``12,5 %`` and ``procentpoint``
in tables and figures, ``12,5 pct.`` and ``pct.-point`` in running text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = [
    "ACTIVITY_TYPES",
    "ARMS",
    "CAUSES",
    "EDUCATIONS",
    "KINDS",
    "MEASURES",
    "ORIGINS",
    "PAY",
    "QUESTIONS",
    "SEXES",
    "STATUS",
    "TABLES",
    "TARGET_GROUPS",
    "VARIABLES",
    "activity",
    "ascii_codes",
    "join_labels",
    "label",
    "status",
    "target_group",
]

#: Weekly benefit status (``evalkit.schemas.STATUS_CATEGORIES``).
STATUS: dict[str, str] = {
    "selvforsoergende": "selvforsørgende",
    "dagpenge": "dagpenge",
    "kontanthjaelp": "kontanthjælp",
    "ressourceforloeb": "ressourceforløb",
    "sygedagpenge": "sygedagpenge",
    "ledighedsydelse": "ledighedsydelse",
    "fleksjob": "fleksjob",
    "foertidspension": "førtidspension",
    "uddannelse": "uddannelse",
    "udvandret": "udvandret",
    "doed": "død",
    "oevrig": "øvrig",
}
#: Target groups, as a plural noun phrase ("jobparate", "forsikrede ledige").
TARGET_GROUPS: dict[str, str] = {
    "jobparat": "jobparate",
    "aktivitetsparat": "aktivitetsparate",
    "ressourceforloeb": "ressourceforløb",
    "forsikret": "forsikrede ledige",
    "alle": "alle",
}
#: Activity types (``evalkit.schemas.ACTIVITY_TYPES``).
ACTIVITY_TYPES: dict[str, str] = {
    "virksomhedspraktik": "virksomhedspraktik",
    "loentilskud": "løntilskud",
    "smaajob": "småjob",
    "kursus": "kursus",
    "samtale": "samtale",
    "virksomhedsbesoeg": "virksomhedsbesøg",
    "registrering": "registrering",
}
#: Arms of the participants table.
ARMS: dict[str, str] = {"indsats": "deltagere", "sammenligning": "sammenligningsgruppe"}
#: Background variables: education, origin, sex.
EDUCATIONS: dict[str, str] = {
    "grundskole": "grundskole",
    "gymnasial": "gymnasial",
    "erhvervsfaglig": "erhvervsfaglig",
    "videregaaende": "videregående",
}
ORIGINS: dict[str, str] = {"dansk": "dansk", "vestlig": "vestlig", "ikke-vestlig": "ikke-vestlig"}
SEXES: dict[str, str] = {"K": "kvinde", "M": "mand"}
#: Baseline covariates (column names of the participants table).
VARIABLES: dict[str, str] = {
    "age": "alder (år)",
    "sex": "køn",
    "origin": "herkomst",
    "education": "uddannelse",
    "benefit_weeks_prior": "uger på ydelse året før",
}
#: How a spell ends (``cause_label`` of :func:`evalkit.spells.build_spells`).
CAUSES: dict[str, str] = {
    "censureret": "censureret",
    "selvforsoergelse": "selvforsørgelse",
    **{code: text for code, text in STATUS.items() if code != "selvforsoergende"},
}
#: Jobindsats-like benchmark measures.
MEASURES: dict[str, str] = {
    "andel_paa_ydelse": "andel på ydelse",
    "andel_virksomhedsrettet": "andel i virksomhedsrettet indsats",
    "antal_jobparate": "antal jobparate kontanthjælpsmodtagere",
    "ledighedsprocent": "ledighedsprocent",
}
#: Survey questions.
QUESTIONS: dict[str, str] = {"samtale_medinddragende": "samtalen var medinddragende"}
#: Pay in a company-based activity (``detail`` of activities).
PAY: dict[str, str] = {"hel": "hel løn", "delvis": "delvis løn", "ingen": "ingen løn"}
#: The canonical tables (``evalkit.config.TABLES``).
TABLES: dict[str, str] = {
    "participants": "deltagere",
    "status": "ugentlige ydelser",
    "activities": "aktiviteter",
    "benchmarks": "landstal (Jobindsats)",
    "survey": "spørgeskema",
    "indicators": "nøgletal",
    "joblog": "joblog",
    "implementation": "projektets egne tal",
    "narrative": "slutevalueringens tekst",
}

KINDS: dict[str, Mapping[str, str]] = {
    "status": STATUS,
    "target_group": TARGET_GROUPS,
    "activity": ACTIVITY_TYPES,
    "arm": ARMS,
    "education": EDUCATIONS,
    "origin": ORIGINS,
    "sex": SEXES,
    "variable": VARIABLES,
    "cause": CAUSES,
    "measure": MEASURES,
    "question": QUESTIONS,
    "pay": PAY,
    "table": TABLES,
}


def label(kind: str, code: object) -> str:
    """The Danish label of ``code`` in the table ``kind``; an unknown code as it is.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS` (``status``, ``target_group``, ``activity``, ...).
    code : object
        The code in the data (converted with ``str``).

    Raises
    ------
    ValueError
        For an unknown ``kind``.
    """
    table = KINDS.get(kind)
    if table is None:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, but was {kind!r}")
    text = str(code)
    return table.get(text, text)


def status(code: object) -> str:
    """A status category in Danish: ``doed`` -> ``død``."""
    return label("status", code)


def target_group(code: object) -> str:
    """A target group in Danish, plural: ``jobparat`` -> ``jobparate``."""
    return label("target_group", code)


def activity(code: object) -> str:
    """An activity type in Danish: ``virksomhedsbesoeg`` -> ``virksomhedsbesøg``."""
    return label("activity", code)


def join_labels(kind: str, codes: Iterable[object]) -> str:
    """Labels of ``codes`` as a Danish list: ``a, b og c``."""
    words = [label(kind, c) for c in codes]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " og " + words[-1]


_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def ascii_codes() -> dict[str, str]:
    """Codes that are ASCII stand-ins (or raw keys) of a Danish label: code -> label.

    A code is listed when it is its label spelt with ``ae``/``oe``/``aa`` for æ/ø/å
    (``foertidspension`` for ``førtidspension``), or when the code is a
    machine key with an underscore (``andel_paa_ydelse``). No reader should see one of
    these; the test of every demo report looks for them as whole words.
    """
    out: dict[str, str] = {}
    for table in KINDS.values():
        for code, text in table.items():
            if code == text:
                continue
            if "_" in code or (
                re.search("[æøåÆØÅ]", text) and code.lower() == text.lower().translate(_DANISH)
            ):
                out[code] = text
    return out
