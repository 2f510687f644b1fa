"""Reports for one part of a project's data, e.g. one kommune of a national panel.

A *subset* is a mapping ``{column: value}`` over participant columns. :func:`apply_subset`
keeps the participants with that value (and their weekly status, activities and joblog),
so spells, curves and criteria describe the subset only; a subset on ``kommune`` also
makes that kommune the report's kommune (criteria such as ``count_change`` then read the
kommune's own benchmark figures). ``evalkit run CONFIG --by kommune`` renders one report
per value of :func:`subset_values`, into ``reports/<slug>/<slugify(value)>/``.

Example
-------
>>> slugify("Ringkøbing-Skjern")
'ringkoebing-skjern'
>>> sorted(["Aarhus", "Ærø", "Odense", "Aabenraa"], key=danish_key)
['Odense', 'Ærø', 'Aabenraa', 'Aarhus']
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalkit.config import ProjectConfig
from evalkit.formatting import fmt_date, fmt_number
from evalkit.io import ProjectData, subset_mask
from evalkit.verdicts import PROGRESS_WORDS

__all__ = [
    "FINAL_WORDS",
    "STATUS_WORDS",
    "apply_subset",
    "check_subset",
    "danish_key",
    "index_fields",
    "index_groups",
    "plan_subsets",
    "slugify",
    "subset_slug",
    "subset_values",
]

_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa"})
_ORDER = str.maketrans({"æ": "{", "ø": "|", "å": "}"})  # after z, in Danish order
_PERSON_TABLES = ("status", "activities", "joblog")


def slugify(value: object) -> str:
    """A file-name-safe lower-case slug of a value (``æ``->``ae``, ``ø``->``oe``, ``å``->``aa``).

    Raises
    ------
    ValueError
        When nothing is left of the value (e.g. only punctuation).
    """
    text = str(value).translate(_LETTERS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not slug:
        raise ValueError(f"value must contain letters or digits, but was {value!r}")
    return slug


def danish_key(text: object) -> str:
    """Sort key in Danish alphabetical order: æ, ø, å (and aa) after z."""
    s = str(text).lower()
    return re.sub(r"aa", "å", s).translate(_ORDER)


def check_subset(subset: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Validate a subset mapping; returns ``{column: str(value)}`` or None.

    Raises
    ------
    TypeError
        When ``subset`` is not a mapping of column names.
    ValueError
        When it is empty.
    """
    if subset is None:
        return None
    if not isinstance(subset, Mapping) or not all(isinstance(k, str) for k in subset):
        raise TypeError(f"subset must be a mapping {{column: value}}, but was {subset!r}")
    if not subset:
        raise ValueError("subset must name at least one column, but was {}")
    return {k: str(v) for k, v in subset.items()}


def subset_slug(subset: Mapping[str, Any]) -> str:
    """Folder name of a subset's reports: the slugs of its values joined by ``-``."""
    return "-".join(slugify(v) for v in subset.values())


def apply_subset(
    config: ProjectConfig, data: ProjectData, subset: Mapping[str, Any] | None
) -> tuple[ProjectConfig, ProjectData]:
    """Restrict a project to the participants matching ``subset``.

    Parameters
    ----------
    config : ProjectConfig
    data : ProjectData
        From :func:`evalkit.io.load_project`.
    subset : mapping of str to value, or None
        ``{column: value}``; participants whose column equals the value (as text) are kept.
        None returns the inputs unchanged.

    Returns
    -------
    (ProjectConfig, ProjectData)
        The title gets ``": <value>"``; with a ``kommune`` column the config's kommune is
        the value. Status, activities and joblog keep the kept persons' rows only (rows
        without a person, e.g. company visits, are dropped). Benchmarks, survey and
        indicators are unchanged; ``files`` still names the whole input files.

    Raises
    ------
    ValueError
        When a column is not in the participants table or no participant matches.
    """
    subset = check_subset(subset)
    if subset is None:
        return config, data
    p = data.participants
    keep = subset_mask(p, subset)
    part = p[keep]
    persons = part["person_id"]
    tables: dict[str, Any] = {"participants": part}
    for name in _PERSON_TABLES:
        table = getattr(data, name)
        if table is not None:
            tables[name] = table[table["person_id"].isin(persons)]
    label = ", ".join(subset.values())
    changes: dict[str, Any] = {"title": f"{config.title}: {label}"}
    if "kommune" in subset:
        changes["kommune"] = subset["kommune"]
    return dataclasses.replace(config, **changes), dataclasses.replace(data, **tables)


def subset_values(data: ProjectData, column: str) -> list[str]:
    """The distinct values of a participants column in the project arm, in Danish order.

    Raises
    ------
    ValueError
        When the column is not in the participants table.
    """
    p = data.participants
    if column not in p.columns:
        raise ValueError(
            f"column must be a participants column ({', '.join(map(str, p.columns))}), "
            f"but was {column!r}"
        )
    values = p.loc[p["arm"] == "indsats", column].dropna().astype(str).unique()
    return sorted(values, key=danish_key)


def plan_subsets(
    data: ProjectData, column: str, threshold: int
) -> tuple[list[str], list[str], list[str]]:
    """Check ``--by column`` before anything is rendered.

    Parameters
    ----------
    data : ProjectData
    column : str
        A participants column (not the person id).
    threshold : int
        The disclosure threshold: a value with fewer participants (project arm) gets no
        report of its own.

    Returns
    -------
    (values, small, problems)
        The values to render and the values below the threshold (both in Danish order),
        and one line per problem: two values that would share a folder, a value with
        nothing to name a folder by, a CPR-shaped value. Values are shown, never counts.

    Raises
    ------
    ValueError
        When the column is not a participants column or is the person id.
    """
    from evalkit.schemas import looks_like_cpr, mask_value

    if column in ("person_id", "respondent"):
        raise ValueError(
            f"column must not be a person id (one report per person), but was {column!r}"
        )
    values = subset_values(data, column)
    p = data.participants
    sizes = p.loc[p["arm"] == "indsats", column].dropna().astype(str).value_counts()
    problems = []
    folders: dict[str, list[str]] = {}
    for value in values:
        if looks_like_cpr(value) or looks_like_cpr(value.replace(" ", "")):
            problems.append(f"--by {column}: a value looks like a CPR number ({mask_value(value)})")
            continue
        try:
            folders.setdefault(slugify(value), []).append(value)
        except ValueError:
            problems.append(
                f"--by {column}: the value {value!r} has no letters or digits to name its "
                "report folder by; fix the value in the participants file"
            )
    for folder, same in folders.items():
        if len(same) > 1:
            shown = " and ".join(repr(v) for v in same)
            problems.append(
                f"--by {column}: {shown} would share the folder '{folder}' (one report would "
                "overwrite the other); spell the value the same way in the participants file"
            )
    small = [v for v in values if int(sizes.get(v, 0)) < threshold]
    return [v for v in values if v not in small], small, problems


FINAL_WORDS = ("opfyldt", "ikke opfyldt", "usikkert", "kan ikke afgøres")
"""The verdict columns of the index for final reports."""
STATUS_WORDS = tuple(PROGRESS_WORDS[v] for v in FINAL_WORDS)
"""The same columns for status reports ("på sporet", ...)."""


def _words(data: dict[str, Any]) -> tuple[bool, tuple[str, ...], list[str]]:
    """(is a status report, its words, the word of each criterion) of one results.json."""
    status = data.get("report_kind") == "statusrapport"
    if status:
        given = data.get("progress")
        values = (
            list(given.values())
            if given
            else [PROGRESS_WORDS.get(v, v) for v in data.get("verdicts", {}).values()]
        )
        return True, STATUS_WORDS, values
    return False, FINAL_WORDS, list(data.get("verdicts", {}).values())


def index_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The columns every index row shows, from a report's results.json, in Danish format.

    ``as_of`` as a Danish date (empty for a final report), ``n`` with a thousands
    separator, ``status`` (a status report), ``words`` (the verdict words of its kind, as
    the report uses them: "opfyldt" ... or "på sporet" ...), ``counts`` (criteria per
    word, in that order) and the same counts keyed by word (``_`` for spaces).
    """
    status, words, values = _words(data)
    as_of = data.get("as_of")
    n = data.get("n_participants")
    return {
        "as_of": fmt_date(as_of) if as_of else "",
        "n": fmt_number(n) if n is not None else "",
        "status": status,
        "words": list(words),
        "counts": [values.count(w) for w in words],
        **{w.replace(" ", "_"): values.count(w) for w in words},
    }


def index_groups(out_dir: str | Path) -> list[dict[str, Any]]:
    """The per-subset reports under ``out_dir`` grouped for ``index.html``.

    Reads every ``<slug>/<value slug>/<kind>.results.json`` beside its HTML (internal
    variants and ``_failed`` are skipped) and every ``<kind>.skipped.json`` (a value with
    too few participants for a report: a row with the reason and no link), and groups
    them by project, subset column and report kind.

    Returns
    -------
    list of dict
        One per group, ordered by title: ``id``, ``title`` (the project's), ``by`` (the
        column), ``kind``, ``rows`` (per value, in Danish order: ``href``, ``value``,
        ``as_of``, ``n`` and the count of criteria per verdict) and ``criteria`` (per
        criterion: ``label`` and the number of reports per verdict).
    """
    out_dir = Path(out_dir)
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    found = [*out_dir.glob("*/*/*.results.json"), *out_dir.glob("*/*/*.skipped.json")]
    for res in sorted(found):
        rel = res.relative_to(out_dir)
        if rel.parts[0].startswith("_") or res.name.endswith("-intern.results.json"):
            continue
        skipped = res.name.endswith(".skipped.json")
        stem = res.name.removesuffix(".skipped.json" if skipped else ".results.json")
        if not skipped and not res.with_name(f"{stem}.html").is_file():
            continue  # not a complete report
        data = json.loads(res.read_text(encoding="utf-8"))
        subset = data.get("subset")
        if not subset:
            continue
        by, value = ", ".join(subset), ", ".join(subset.values())
        kind = data.get("report_kind", "")
        key = (rel.parts[0], by, kind)
        title = str(data.get("title", rel.parts[0])).removesuffix(f": {value}")
        status, words, _ = _words(data)
        group = groups.setdefault(
            key,
            {"id": slugify(f"{rel.parts[0]}-{by}-{kind}"), "title": title, "by": by,
             "kind": kind, "rows": [], "criteria": {}, "words": list(words),
             "slug": rel.parts[0]},
        )  # fmt: skip
        if skipped:
            group["rows"].append({"href": None, "value": value, "reason": data.get("reason")})
            continue
        group["rows"].append(
            {
                "href": "/".join(rel.parts[:-1]) + f"/{stem}.html",
                "value": value,
                **index_fields(data),
            }
        )
        for crit in data.get("criteria", []):
            counts = group["criteria"].setdefault(
                crit["id"], {"label": crit["label"], "counts": [0] * len(words)}
            )
            word = (
                crit.get("progress") or PROGRESS_WORDS.get(crit["verdict"])
                if status
                else crit["verdict"]
            )
            if word in words:
                counts["counts"][words.index(word)] += 1
    out = []
    for group in sorted(groups.values(), key=lambda g: (danish_key(g["title"]), g["kind"])):
        group["rows"].sort(key=lambda r: danish_key(r["value"]))
        group["criteria"] = list(group["criteria"].values())
        out.append(group)
    return out
