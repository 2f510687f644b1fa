"""Generate the demo data of the five seed projects (deterministic from a seed).

Each project is simulated the same way, vectorised over persons and weeks:

* time until self-support ``T`` (weeks since start) is Weibull with proportional
  hazards: ``S(t | x) = exp(-lam * exp(eta(x) + log(HR) * indsats) * t**shape)``,
  rounded up to whole weeks, so the planted hazard ratio of the project arm is known;
* a competing exit (education, pension, emigration, death) with a constant hazard;
* after self-support a run of at least ``k`` self-supporting weeks, possibly a return to
  benefit, then self-support again (so "still self-supporting after 13/26 weeks" varies);
* activities (praktik, småjob, courses, conversations, company visits) and monthly
  company-based activity with planted shares (Ringkøbing-Skjern, Flere skal med);
* Jobindsats-like benchmark tables: the national curve and monthly indicators.

The planted truths are in :data:`PLANTED` (also printed in ``docs/demo-data.md``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.demo import _definitions as dfn
from evalkit.demo._planted import PLANTED
from evalkit.demo._side import _as_jobindsats, _benchmarks, _joblog, _praktik_hours, _survey
from evalkit.demo._simulate import (
    Group,
    _covariates,
    _eta,
    _monday,
    _monthly_activity,
    _runs_to_rows,
    _simulate_status,
    _weeks,
)
from evalkit.demo._writers import _dream_col, _write_table

__all__ = ["PLANTED", "PROJECTS", "DemoProject", "Group", "generate_all", "generate_project"]

# DREAM-like codes written into the files (see docs/data-format.md)
CODE = {
    "selvforsoergende": "",
    "dagpenge": "111",
    "kontanthjaelp": "130",
    "ressourceforloeb": "760",
    "sygedagpenge": "890",
    "fleksjob": "741",
    "foertidspension": "783",
    "uddannelse": "651",
    "udvandret": "997",
    "doed": "998",
}

PART_COLUMNS = {
    "person_id": "person_id",
    "arm": "arm",
    "maalgruppe": "target_group",
    "startdato": "start_date",
    "slutdato": "end_date",
    "kommune": "kommune",
    "alder": "age",
    "koen": "sex",
    "herkomst": "origin",
    "uddannelse": "education",
    "ydelsesuger_foer": "benefit_weeks_prior",
    "gruppe": "subgroup",
}
STATUS_COLUMNS = {"person_id": "person_id", "uge": "week", "ydelse": "status", "timer": "hours"}
ACT_COLUMNS = {
    "person_id": "person_id",
    "aktivitet": "type",
    "startdato": "start_date",
    "slutdato": "end_date",
    "timer_pr_uge": "hours",
    "detalje": "detail",
    "gennemfoert": "completed",
}
BENCH_COLUMNS = {
    "omraade": "area",
    "periode": "period",
    "maaling": "measure",
    "gruppe": "group",
    "vaerdi": "value",
    "enhed": "unit",
}
JOBLOG_COLUMNS = {"person_id": "person_id", "dato": "date", "antal_soegte": "applications"}
SURVEY_COLUMNS = {
    "respondent": "respondent",
    "gruppe": "group",
    "spoergsmaal": "question",
    "svar": "answer",
    "svardato": "date",
}


@dataclass(frozen=True)
class DemoProject:
    """Parameters of one simulated seed project."""

    slug: str
    kommune: str
    groups: tuple[Group, ...]
    project_start: dt.date
    project_end: dt.date
    intake_weeks: int
    file_format: str  # csv-dk, csv-utf8, excel, parquet
    status_layout: str  # wide or long
    hazard_ratio: float = 1.0  # planted effect of the project arm vs comparison
    comparison_n: int = 0
    competing_rate: float = 0.004
    followup_weeks: int = 30
    k: int = 4
    monthly_activity: dict[str, tuple[float, float]] = field(default_factory=dict)
    extras: tuple[str, ...] = ()
    inflow: dict[str, float] = field(default_factory=dict)  # entrants per week, by group


PROJECTS: dict[str, DemoProject] = {
    p.slug: p
    for p in [
        DemoProject(
            slug="herning-transport",
            kommune="Herning",
            groups=(Group("jobparat", 30, "kontanthjaelp", lam=0.030, shape=1.0),),
            project_start=dt.date(2019, 1, 7),
            project_end=dt.date(2020, 12, 27),
            intake_weeks=40,
            file_format="csv-dk",
            status_layout="wide",
            hazard_ratio=1.0,
            extras=("praktik", "smaajob", "kurser", "besoeg", "mentor_followup", "other_courses"),
        ),
        DemoProject(
            slug="ringkobing-skjern-stv",
            kommune="Ringkøbing-Skjern",
            groups=(
                Group("aktivitetsparat", 350, "kontanthjaelp", lam=0.004, prior_weeks=104),
                Group("ressourceforloeb", 197, "ressourceforloeb", lam=0.002, prior_weeks=104),
            ),
            project_start=dt.date(2016, 11, 1),
            project_end=dt.date(2018, 12, 31),
            intake_weeks=1,
            file_format="excel",
            status_layout="wide",
            monthly_activity={
                "aktivitetsparat": (0.146, 0.40),
                "ressourceforloeb": (0.23, 0.43),
            },
            extras=("pct_column", "followups_4w", "places", "cv"),
            # new members of the target group keep the month's stock near its size
            inflow={"aktivitetsparat": 2.4, "ressourceforloeb": 0.8},
        ),
        DemoProject(
            slug="hedensted-samtale",
            kommune="Hedensted",
            groups=(
                Group("jobparat", 50, "kontanthjaelp", lam=0.02),
                Group("forsikret", 200, "dagpenge", lam=0.05, prior_weeks=8),
            ),
            project_start=dt.date(2016, 9, 5),
            project_end=dt.date(2017, 8, 27),
            intake_weeks=30,
            file_format="csv-utf8",
            status_layout="long",
            extras=("samtaler", "survey", "joblog", "survey_knowledge"),
        ),
        DemoProject(
            slug="aalborg-jobparate",
            kommune="Aalborg",
            groups=(Group("jobparat", 2500, "kontanthjaelp", lam=0.03, shape=0.9, prior_weeks=4),),
            project_start=dt.date(2019, 1, 7),
            project_end=dt.date(2020, 12, 27),
            intake_weeks=100,
            file_format="parquet",
            status_layout="long",
            hazard_ratio=1.35,
            comparison_n=10_000,
            extras=("national_share", "smaajob", "contacts", "offers", "joblog_both"),
        ),
        DemoProject(
            slug="herning-flere-skal-med",
            kommune="Herning",
            groups=(Group("aktivitetsparat", 255, "kontanthjaelp", lam=0.003, prior_weeks=104),),
            project_start=dt.date(2017, 8, 1),
            project_end=dt.date(2019, 8, 31),
            intake_weeks=8,
            file_format="csv-dk",
            status_layout="long",
            monthly_activity={"gruppe 1": (0.30, 0.50), "gruppe 2": (0.12, 0.2)},
            extras=(
                "subgroups",
                "other_kommuner",
                "pct_all",
                "group2_rehab",
                "fsm_benchmarks",
                "cv_goal",
            ),
        ),
    ]
}


# --------------------------------------------------------------------------- one project
def _persons(
    rng: np.random.Generator,
    spec: DemoProject,
    arm: str,
    group: Group,
    cov: pd.DataFrame,
    start_idx: np.ndarray,
    weeks: pd.DatetimeIndex,
    first_id: int,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Participants rows, status and hours of persons with covariates and start weeks."""
    n = len(start_idx)
    eta = _eta(cov) + (np.log(spec.hazard_ratio) if arm == "indsats" else 0.0)
    status, hours = _simulate_status(
        rng, start_idx, len(weeks), eta, group, spec.competing_rate, spec.k
    )
    ids = [f"P{spec.slug[:3].upper()}{i:06d}" for i in range(first_id, first_id + n)]
    start = weeks[start_idx] + pd.to_timedelta(rng.integers(0, 5, n), unit="D")
    df = cov.assign(
        person_id=ids,
        arm=arm,
        target_group=group.name,
        start_date=start.normalize(),
        kommune=spec.kommune,
        benefit_weeks_prior=np.minimum(52, group.prior_weeks),
    )
    # leaving the project: at self-support or after at most a year
    left = (np.arange(len(weeks))[None, :] >= start_idx[:, None]) & (status != group.benefit)
    tau_end = np.where(left.any(axis=1), np.argmax(left, axis=1), start_idx + 52)
    tau_end = np.minimum(tau_end, start_idx + 52)
    end = pd.DatetimeIndex(weeks[np.minimum(tau_end, len(weeks) - 1)]) + pd.Timedelta(days=4)
    df["end_date"] = end.where(end <= pd.Timestamp(spec.project_end))
    return df, status, hours


def _company_activities(
    rng: np.random.Generator,
    participants: pd.DataFrame,
    rows: np.ndarray,
    active: np.ndarray,
    months: pd.DatetimeIndex,
) -> pd.DataFrame:
    """One activity per run of active months: praktik, løntilskud or småjob, with pay."""
    r, c0, c1 = _runs_to_rows(active)
    kind = rng.choice(["virksomhedspraktik", "loentilskud", "smaajob"], len(r), p=[0.75, 0.1, 0.15])
    pay = np.where(
        kind == "virksomhedspraktik",
        rng.choice(["ingen", "delvis"], len(r), p=[0.9, 0.1]),
        np.where(kind == "smaajob", "hel", "delvis"),
    )
    return pd.DataFrame(
        {
            "person_id": participants["person_id"].to_numpy()[rows[r]],
            "type": kind,
            "start_date": months[c0],
            "end_date": (months[c1] + pd.offsets.MonthEnd(0)),
            "hours": rng.integers(8, 30, len(r)).astype(float),
            "detail": pay,
        }
    )


def generate_project(spec: DemoProject, out_dir: Path, seed: int = 2024) -> dict[str, Path]:
    """Simulate one project and write its files; returns table -> file path."""
    rng = np.random.default_rng([seed, sum(map(ord, spec.slug))])
    out = Path(out_dir) / spec.slug
    out.mkdir(parents=True, exist_ok=True)
    panel_start = _monday(spec.project_start - dt.timedelta(weeks=60))
    panel_end = _monday(spec.project_end + dt.timedelta(weeks=spec.followup_weeks))
    weeks = _weeks(panel_start, panel_end)
    first_start = int((pd.Timestamp(_monday(spec.project_start)) - weeks[0]).days // 7)

    parts, statuses, hours_all = [], [], []
    pid = 0
    arms = [("indsats", g, g.n) for g in spec.groups]
    if spec.comparison_n:
        arms.append(("sammenligning", spec.groups[0], spec.comparison_n))
    for arm, group, n in arms:
        cov = _covariates(rng, n, comparison=arm == "sammenligning")
        start_idx = first_start + rng.integers(0, spec.intake_weeks, n)
        df, status, hours = _persons(rng, spec, arm, group, cov, start_idx, weeks, pid)
        pid += n
        parts.append(df)
        statuses.append(status)
        hours_all.append(hours)
    # entrants into the target group during the project (STV: the month's stock as
    # Jobindsats counts it); their own random stream, so the cohort above is unchanged
    rng_in = np.random.default_rng([seed, sum(map(ord, spec.slug)), 3])
    for group in spec.groups:
        rate = spec.inflow.get(group.name, 0.0)
        if not rate:
            continue
        counts = rng_in.poisson(rate, max(len(_weeks(spec.project_start, spec.project_end)), 1))
        start_idx = first_start + np.repeat(np.arange(len(counts)), counts)
        cov = _covariates(rng_in, len(start_idx), comparison=False)
        g_new = replace(group, n=len(start_idx), prior_weeks=1)
        df, status, hours = _persons(rng_in, spec, "indsats", g_new, cov, start_idx, weeks, pid)
        pid += len(df)
        parts.append(df.assign(_entrant=True))
        statuses.append(status)
        hours_all.append(hours)
    participants = pd.concat(parts, ignore_index=True)
    entrant = (
        participants.pop("_entrant").eq(True).to_numpy()
        if "_entrant" in participants
        else np.zeros(len(participants), bool)
    )
    status = np.vstack(statuses)
    hours = np.vstack(hours_all)
    n_all = len(participants)
    start_idx = ((participants["start_date"] - weeks[0]).dt.days // 7).to_numpy()

    if "subgroups" in spec.extras:
        participants["subgroup"] = rng.choice(
            ["gruppe 1", "gruppe 2", "gruppe 3"], n_all, p=[0.35, 0.35, 0.30]
        )
    if "group2_rehab" in spec.extras:  # the rehabiliteringsteam (side stream)
        status = dfn.group2_transitions(
            seed, spec.slug, participants["subgroup"].to_numpy(), status, start_idx
        )

    # ---- activities
    acts: list[pd.DataFrame] = []
    is_part = (participants["arm"] == "indsats").to_numpy()
    part_idx = np.flatnonzero(is_part)

    def add(rows: np.ndarray, typ: str, s: np.ndarray, dur: np.ndarray, **cols: object) -> None:
        s_date = weeks[np.clip(s, 0, len(weeks) - 1)]
        e_date = weeks[np.clip(s + dur - 1, 0, len(weeks) - 1)] + pd.Timedelta(days=4)
        acts.append(
            pd.DataFrame(
                {
                    "person_id": participants["person_id"].to_numpy()[rows],
                    "type": typ,
                    "start_date": s_date,
                    "end_date": e_date,
                    **cols,
                }
            )
        )

    if "praktik" in spec.extras:
        rows = part_idx[rng.random(len(part_idx)) < PLANTED["herning-transport"]["p_praktik"]]
        s = start_idx[rows] + rng.integers(1, 10, len(rows))
        dur = rng.integers(4, 14, len(rows))
        add(rows, "virksomhedspraktik", s, dur, hours=rng.integers(15, 31, len(rows)).astype(float))
        if "mentor_followup" in spec.extras:  # side streams: a mentor, weekly follow-ups
            acts[-1]["detail"] = dfn.with_mentor(seed, spec.slug, len(rows))
            acts.append(dfn.followups(seed, spec.slug, acts[-1], 7,
                                      PLANTED["herning-transport"]["p_followup_week"],
                                      "virksomhedsopfølgning", k=17))  # fmt: skip
        # ordinary hours during and after praktik: from a first week on (geometric), a
        # start of 4-8 hours growing by the person's slope, in half hours, capped at 30,
        # some weeks without shifts; drawn from a side stream so the rest is unchanged
        slope = rng.uniform(0.2, 0.6, (len(rows), 1))
        hours[rows] = _praktik_hours(seed, spec.slug, s, len(weeks), slope, status[rows],
                                     hours[rows])  # fmt: skip
    if "smaajob" in spec.extras:
        rows = part_idx[rng.random(len(part_idx)) < PLANTED["herning-transport"]["p_smaajob"]]
        s = start_idx[rows] + rng.integers(3, 20, len(rows))
        add(
            rows, "smaajob", s, rng.integers(4, 26, len(rows)), hours=rng.integers(4, 16, len(rows))
        )
    if "kurser" in spec.extras:
        n_courses = int(rng.integers(20, 26))
        rows = rng.choice(part_idx, n_courses)
        s = start_idx[rows] + rng.integers(0, 12, n_courses)
        kinds = rng.choice(
            ["kørekort C", "kørekort CE", "ADR/farligt gods", "truckcertifikat"], n_courses
        )
        add(
            rows,
            "kursus",
            s,
            rng.integers(1, 6, n_courses),
            hours=37.0,
            detail=kinds,
            completed=rng.random(n_courses) < 0.85,
        )
        if "other_courses" in spec.extras:
            acts.append(dfn.other_courses(seed, spec.slug, participants["person_id"].to_numpy()[
                part_idx], participants["start_date"].iloc[part_idx], weeks))  # fmt: skip
    if "besoeg" in spec.extras:
        n_visits = int(rng.integers(70, 95))
        s = first_start + rng.integers(0, 100, n_visits)
        outcome = rng.choice(
            ["praktikaftale", "småjob", "ansættelse", "ingen aftale"],
            n_visits,
            p=[0.3, 0.25, 0.1, 0.35],
        )
        visits = pd.DataFrame(
            {
                "person_id": "",
                "type": "virksomhedsbesoeg",
                "start_date": weeks[s],
                "end_date": weeks[s],
                "detail": outcome,
            }
        )
        acts.append(visits)
    if "samtaler" in spec.extras:
        per = 6
        rows = np.repeat(part_idx, per)
        s = start_idx[rows] + np.tile(np.arange(per) * 4, len(part_idx))
        # self-booking grows from 0 to ~45 % over the project
        frac = np.clip((s - first_start) / max(len(weeks) - first_start - 30, 1), 0, 1)
        booked = rng.random(len(rows)) < 0.45 * frac
        add(
            rows,
            "samtale",
            s,
            np.ones(len(rows), int),
            detail=np.where(booked, "selvbooket", "booket af jobcenter"),
        )
    for group_name, (p_from, p_to) in spec.monthly_activity.items():
        col = "subgroup" if group_name.startswith("gruppe") else "target_group"
        in_group = (participants[col] == group_name).to_numpy() & is_part
        months = pd.date_range(
            _monday(spec.project_start) - pd.DateOffset(months=3), spec.project_end, freq="MS"
        )
        for gen, rows in ((rng, np.flatnonzero(in_group & ~entrant)),
                          (rng_in, np.flatnonzero(in_group & entrant))):  # fmt: skip
            if gen is rng_in and len(rows) == 0:
                continue
            active = _monthly_activity(gen, len(rows), months, p_from, p_to, p0=3)
            if gen is rng_in:  # an entrant's activities start in the month they enter
                entry = participants["start_date"].to_numpy()[rows]
                active &= (
                    months.to_numpy()[None, :]
                    >= (entry.astype("datetime64[M]").astype("datetime64[ns]")[:, None])
                )
            acts.append(_company_activities(gen, participants, rows, active, months))
            if "places" in spec.extras:  # side stream: the kind of place of a praktik
                acts[-1] = dfn.stv_places(seed, spec.slug, acts[-1], k=21 if gen is rng else 24)
            if "followups_4w" in spec.extras:  # side stream: follow-up every 4 weeks
                acts.append(dfn.followups(seed, spec.slug, acts[-1], 28,
                                          PLANTED[spec.slug]["p_followup_4_weeks"], "opfølgning",
                                          k=18 if gen is rng else 19))  # fmt: skip
    if "contacts" in spec.extras:  # side stream: job conversations and the workshop
        acts.append(dfn.aalborg_contacts(seed, spec.slug, participants[is_part]))
    if "offers" in spec.extras:  # side stream: company-based offers, both arms (003)
        acts.append(dfn.aalborg_offers(seed, spec.slug, participants))
    if "cv" in spec.extras:  # side stream: a CV in job functions (001)
        acts.append(dfn.stv_cv(seed, spec.slug, participants[is_part]))
    if "cv_goal" in spec.extras:  # side streams: CV and beskæftigelsesmål, group 3 (004)
        acts.append(dfn.fsm_cv_goal(seed, spec.slug, participants[is_part]))
        acts.append(dfn.fsm_group3(seed, spec.slug, participants[is_part]))
    activities = (
        pd.concat(acts, ignore_index=True)
        if acts
        else pd.DataFrame(columns=list(ACT_COLUMNS.values()))
    )
    for c in ("hours", "detail", "completed"):
        if c not in activities:
            activities[c] = np.nan
    activities = activities.sort_values(["start_date", "person_id", "type"], kind="stable")

    files: dict[str, Path] = {}
    inv = {v: k for k, v in PART_COLUMNS.items()}
    part_out = participants.rename(columns=inv)
    part_out = part_out[[c for c in PART_COLUMNS if c in part_out.columns]]
    files["participants"] = _write_table(part_out, out / "deltagere", spec.file_format)

    codes = np.vectorize(CODE.__getitem__, otypes=[object])(status)
    if spec.status_layout == "wide":
        cols = [_dream_col(w) for w in weeks]
        wide = pd.DataFrame(codes, columns=cols)
        hrs = pd.DataFrame(hours, columns=["t_" + c[2:] for c in cols])
        wide.insert(0, "person_id", participants["person_id"].to_numpy())
        wide = pd.concat([wide, hrs], axis=1)
        fmt = "csv-dk" if spec.file_format == "excel" else spec.file_format
        files["status"] = _write_table(wide, out / "dream_ydelser", fmt)
    else:
        long = pd.DataFrame(
            {
                "person_id": np.repeat(participants["person_id"].to_numpy(), len(weeks)),
                "uge": np.tile(weeks.strftime("%G%V").astype(int), n_all),
                "ydelse": codes.ravel(),
                "timer": hours.ravel(),
            }
        )
        files["status"] = _write_table(long, out / "ydelser", spec.file_format)

    inv_act = {v: k for k, v in ACT_COLUMNS.items()}
    files["activities"] = _write_table(
        activities.rename(columns=inv_act)[list(ACT_COLUMNS)], out / "aktiviteter", spec.file_format
    )
    bench = _benchmarks(rng, spec, participants, weeks, seed)
    if "fsm_benchmarks" in spec.extras:  # side stream: the other Flere skal med kommuner
        months = pd.date_range(spec.project_start, spec.project_end, freq="MS")
        bench = pd.concat([bench, dfn.fsm_benchmarks(seed, spec.slug, months)], ignore_index=True)
    bench = _as_jobindsats(bench, spec.extras)
    files["benchmarks"] = _write_table(
        bench.rename(columns={v: k for k, v in BENCH_COLUMNS.items()}),
        out / "landstal",
        spec.file_format,
    )
    if "survey" in spec.extras:
        side = np.random.default_rng([seed, sum(map(ord, spec.slug)), 3])  # answer dates
        survey = _survey(rng, participants[is_part], side)
        if "survey_knowledge" in spec.extras:  # side stream: the second question
            survey = pd.concat([survey, dfn.survey_knowledge(seed, spec.slug, survey)],
                               ignore_index=True)  # fmt: skip
        files["survey"] = _write_table(
            survey.rename(columns={v: k for k, v in SURVEY_COLUMNS.items()}),
            out / "survey",
            spec.file_format,
        )
    if "joblog" in spec.extras or "joblog_both" in spec.extras:
        log = (
            _joblog(seed, spec, participants[is_part], weeks)
            if "joblog" in spec.extras
            else dfn.aalborg_joblog(seed, spec.slug, participants,
                                    pd.Timestamp(_monday(spec.project_end)))
        )  # fmt: skip
        files["joblog"] = _write_table(
            log.rename(columns={v: k for k, v in JOBLOG_COLUMNS.items()}),
            out / "joblog",
            spec.file_format,
        )
    return files


def generate_all(out_dir: str | Path, seed: int = 2024) -> dict[str, dict[str, Path]]:
    """Generate every demo project under ``out_dir``; returns slug -> table -> path.

    Besides the tables of :func:`generate_project`, each project gets its own figures
    for the promise register (:mod:`evalkit.demo.implementation`). The national demo
    panel ``landspanel/`` and its landstal ``landstal.parquet`` (computed by
    ``evalkit landstal``, :func:`evalkit.demo.landspanel.demo_landstal`) are written too.
    """
    from evalkit.demo.implementation import generate_implementation

    files = {slug: generate_project(spec, Path(out_dir), seed) for slug, spec in PROJECTS.items()}
    for slug, tables in files.items():
        tables.update(generate_implementation(slug, out_dir, tables, seed))
    # the national demo panel and its landstal (evalkit landstal), Aalborg's national curve
    from evalkit.demo.landspanel import demo_landstal

    demo_landstal(out_dir, seed=seed)
    return files
