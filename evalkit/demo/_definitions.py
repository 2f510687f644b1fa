"""Demo side data for the seed applications' own definitions and promises.

Each function draws from its own random stream (``[seed, slug, k]``), so adding these data
changed nothing else in a project. The planted values are in :data:`PLANTED` and in
``docs/demo-data.md``:

* Flere skal med (004): the other Flere skal med kommuner's share of their indsatsgruppe
  in praktik for more than 3 months or with paid hours (the same definition as the
  kommune's own), and group 2's transitions to ressourceforløb, fleksjob or
  førtidspension (the rehabiliteringsteam);
* Hedensted (002): the unemployment rate of the 94 jobcentres month by month, and the
  survey's second question, "givet større viden om arbejdsmarkedet";
* Herning transport (000): courses not aimed at transport, a mentor in most praktikker
  and a weekly follow-up at the company;
* Ringkøbing-Skjern STV (001): a follow-up every 4 weeks in the company-based courses;
* Aalborg (003): job conversations month by month and the cv- og jobværksted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.demo._planted import PLANTED

__all__: list[str] = []

FSM_KOMMUNER = ("Holstebro", "Viborg", "Silkeborg", "Ikast-Brande", "Skive", "Randers",
                "Horsens", "Vejle")  # fmt: skip
FSM_ALL = "Alle Flere skal med-kommuner"
FSM_MEASURE = "andel_praktik_over_3_mdr_eller_loentimer"
N_JOBCENTRES = 94  # 98 kommuner, 94 jobcentres (some kommuner share one)


def _rng(seed: int, slug: str, k: int) -> np.random.Generator:
    return np.random.default_rng([seed, sum(map(ord, slug)), k])


# --------------------------------------------------------------------------- 004
def fsm_benchmarks(seed: int, slug: str, months: pd.DatetimeIndex) -> pd.DataFrame:
    """The Flere skal med kommuner's indsatsgruppe on the kommune's definition, by month."""
    rng = _rng(seed, slug, 10)
    m = len(months)
    rows = []
    levels = []
    for area in FSM_KOMMUNER:
        start = rng.uniform(0.12, 0.24)
        end = start + rng.uniform(0.05, 0.18)
        path = np.clip(np.linspace(start, end, m) + rng.normal(0, 0.015, m), 0, 1)
        levels.append(path)
        rows.append(pd.DataFrame({"area": area, "period": months.strftime("%YM%m"),
                                  "measure": FSM_MEASURE, "group": "gruppe 1",
                                  "value": path.round(4)}))  # fmt: skip
    rows.append(pd.DataFrame({"area": FSM_ALL, "period": months.strftime("%YM%m"),
                              "measure": FSM_MEASURE, "group": "gruppe 1",
                              "value": np.mean(levels, axis=0).round(4)}))  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def group2_transitions(
    seed: int,
    slug: str,
    subgroup: np.ndarray,
    status: np.ndarray,
    start_idx: np.ndarray,
) -> np.ndarray:
    """Group 2 moves from kontanthjælp to ressourceforløb, fleksjob or førtidspension.

    A share ``p_group2_rehab`` of group 2 is put before the rehabiliteringsteam at a week
    8 to 60 weeks after their start; from then on their weeks on kontanthjælp become the
    new benefit (ressourceforløb 50 %, fleksjob 30 %, førtidspension 20 %).
    """
    rng = _rng(seed, slug, 11)
    truth = PLANTED["herning-flere-skal-med"]
    rows = np.flatnonzero(subgroup == "gruppe 2")
    moves = rng.random(len(rows)) < truth["p_group2_rehab"]
    week = start_idx[rows] + rng.integers(8, 61, len(rows))
    new = rng.choice(["ressourceforloeb", "fleksjob", "foertidspension"], len(rows),
                     p=[0.5, 0.3, 0.2])  # fmt: skip
    out = status.copy()
    cols = np.arange(status.shape[1])[None, :]
    for i in range(3):  # three benefits, vectorised over persons and weeks
        kind = ("ressourceforloeb", "fleksjob", "foertidspension")[i]
        sel = moves & (new == kind)
        r = rows[sel]
        after = (cols >= week[sel][:, None]) & (out[r] == "kontanthjaelp")
        sub = out[r]
        sub[after] = kind
        out[r] = sub
    return out


# --------------------------------------------------------------------------- 002
def jobcentre_unemployment(
    seed: int, slug: str, kommune: str, base: np.ndarray, months: pd.DatetimeIndex
) -> pd.DataFrame:
    """Unemployment rate of the 94 jobcentres by month (``ledighedsprocent``, a fraction).

    ``base`` are the jobcentres' levels in percent (the last one the kommune's own); each
    month adds a common seasonal swing and trend and a little noise of its own.
    """
    rng = _rng(seed, slug, 12)
    names = [f"Jobcenter {i:02d}" for i in range(1, N_JOBCENTRES)] + [kommune]
    lvl = np.append(base[: N_JOBCENTRES - 1], base[-1])
    m = len(months)
    season = 1 + 0.08 * np.sin(2 * np.pi * (months.month.to_numpy() - 2) / 12)
    trend = np.linspace(1.0, 0.9, m)
    noise = rng.normal(0, 0.04, (N_JOBCENTRES, m))
    rate = np.clip(lvl[:, None] * season[None, :] * trend[None, :] * (1 + noise), 0.8, 9)
    return pd.DataFrame({
        "area": np.repeat(names, m),
        "period": np.tile(months.strftime("%YM%m"), N_JOBCENTRES),
        "measure": "ledighedsprocent",
        "group": "alle",
        "value": (rate.ravel() / 100).round(4),
    })  # fmt: skip


def survey_knowledge(seed: int, slug: str, survey: pd.DataFrame) -> pd.DataFrame:
    """The second question, "samtalen har givet større viden om arbejdsmarkedet".

    Every respondent answers it too; agreement (4-5) has probability
    ``p_knowledge_if_involving`` for those who found the conversation involving and
    ``p_knowledge_otherwise`` for the others.
    """
    rng = _rng(seed, slug, 13)
    truth = PLANTED["hedensted-samtale"]
    involving = survey["answer"].to_numpy() >= 4
    p = np.where(involving, truth["p_knowledge_if_involving"], truth["p_knowledge_otherwise"])
    agree = rng.random(len(survey)) < p
    answer = np.where(agree, rng.integers(4, 6, len(survey)), rng.integers(1, 4, len(survey)))
    return survey.assign(question="samtale_viden", answer=answer)


# --------------------------------------------------------------------------- 000
def other_courses(
    seed: int, slug: str, person_ids: np.ndarray, start: pd.Series, weeks: pd.DatetimeIndex
) -> pd.DataFrame:
    """A few courses not aimed at transport (so the filter "rettet mod transport" matters)."""
    rng = _rng(seed, slug, 14)
    n = int(rng.integers(4, 8))
    who = rng.integers(0, len(person_ids), n)
    s = pd.DatetimeIndex(start.to_numpy()[who]) + pd.to_timedelta(rng.integers(7, 120, n), "D")
    s = s - pd.to_timedelta(s.dayofweek, unit="D")
    return pd.DataFrame({
        "person_id": person_ids[who],
        "type": "kursus",
        "start_date": s,
        "end_date": s + pd.Timedelta(days=4),
        "hours": 37.0,
        "detail": rng.choice(["dansk", "IT for begyndere", "førstehjælp"], n),
        "completed": rng.random(n) < 0.85,
    })  # fmt: skip


def followups(
    seed: int,
    slug: str,
    spells: pd.DataFrame,
    every_days: int,
    p_held: float,
    detail: str,
    k: int,
) -> pd.DataFrame:
    """Follow-up conversations (``samtale`` with ``detail``) during company-based courses.

    For each spell, one follow-up is due in each period of ``every_days`` days from its
    start; it is held with probability ``p_held`` on a day inside the period.
    """
    rng = _rng(seed, slug, k)
    start = spells["start_date"].to_numpy(dtype="datetime64[D]")
    end = spells["end_date"].to_numpy(dtype="datetime64[D]")
    days = (end - start).astype(int) + 1
    periods = np.maximum(-(-days // every_days), 1)
    spell = np.repeat(np.arange(len(spells)), periods)
    j = np.arange(periods.sum()) - np.repeat(np.cumsum(periods) - periods, periods)
    length = np.minimum(every_days, days[spell] - j * every_days)
    held = rng.random(len(spell)) < p_held
    offset = j * every_days + (rng.random(len(spell)) * length).astype(int)
    date = start[spell] + offset.astype("timedelta64[D]")
    keep = held
    return pd.DataFrame({
        "person_id": spells["person_id"].to_numpy()[spell[keep]],
        "type": "samtale",
        "start_date": pd.DatetimeIndex(date[keep]),
        "end_date": pd.DatetimeIndex(date[keep]),
        "detail": detail,
    })  # fmt: skip


def with_mentor(seed: int, slug: str, n: int) -> np.ndarray:
    """``detail`` of the praktikker: "med mentor" for a share ``p_mentor`` of them."""
    rng = _rng(seed, slug, 15)
    p = PLANTED["herning-transport"]["p_mentor"]
    return np.where(rng.random(n) < p, "med mentor", None)


# --------------------------------------------------------------------------- 003
def aalborg_contacts(seed: int, slug: str, participants: pd.DataFrame) -> pd.DataFrame:
    """Job conversations month by month and the cv- og jobværksted of new participants.

    A participant has one job conversation (``samtale``/``jobsamtale``) in each of the
    months 0, 1, ..., 7 after the start with probability ``p_jobsamtale_month``, on day
    31 j + 0..24: slots 0-5 fall inside the first 6 calendar months and slot 6 after them,
    so ``p_jobsamtale_month ** 6`` have 6 in the first 6 months. A share ``p_workshop`` begins the cv- og
    jobværksted (``kursus``/``cv- og jobværksted``) on a day 0-27 after the start, so
    ``p_workshop * 14 / 28`` begin it within the first 14 days.
    """
    rng = _rng(seed, slug, 16)
    truth = PLANTED["aalborg-jobparate"]
    ids = participants["person_id"].to_numpy()
    start = participants["start_date"].to_numpy(dtype="datetime64[D]")
    n = len(ids)
    slots = 8
    held = rng.random((n, slots)) < truth["p_jobsamtale_month"]
    day = 31 * np.arange(slots)[None, :] + rng.integers(0, 25, (n, slots))
    r, c = np.nonzero(held)
    talk = start[r] + day[r, c].astype("timedelta64[D]")
    goes = rng.random(n) < truth["p_workshop"]
    wday = rng.integers(0, 28, n)
    ws = start[goes] + wday[goes].astype("timedelta64[D]")
    return pd.concat([
        pd.DataFrame({"person_id": ids[r], "type": "samtale", "start_date": pd.DatetimeIndex(talk),
                      "end_date": pd.DatetimeIndex(talk), "detail": "jobsamtale"}),
        pd.DataFrame({"person_id": ids[goes], "type": "kursus", "start_date": pd.DatetimeIndex(ws),
                      "end_date": pd.DatetimeIndex(ws + np.timedelta64(9, "D")),
                      "detail": "cv- og jobværksted", "completed": True}),
    ], ignore_index=True)  # fmt: skip


# --------------------------------------------------------------------------- registrations
def _registrations(ids: np.ndarray, dates: np.ndarray, detail: str | np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "person_id": ids,
        "type": "registrering",
        "start_date": pd.DatetimeIndex(dates),
        "end_date": pd.DatetimeIndex(dates),
        "detail": detail,
    })  # fmt: skip


def stv_cv(seed: int, slug: str, participants: pd.DataFrame) -> pd.DataFrame:
    """001: "Alle borgere skal have et CV, hvor kompetencerne opgøres i jobfunktioner".

    A share ``p_cv`` of the participants get a CV (``registrering``) on a day 0-119
    after their start; a share ``p_cv_jobfunktioner`` of those CVs state the competences
    in job functions (detail ``cv i jobfunktioner``), the others not (``cv``).
    """
    rng = _rng(seed, slug, 20)
    truth = PLANTED[slug]
    ids = participants["person_id"].to_numpy()
    start = participants["start_date"].to_numpy(dtype="datetime64[D]")
    has = rng.random(len(ids)) < truth["p_cv"]
    day = rng.integers(0, 120, len(ids))
    functions = rng.random(len(ids)) < truth["p_cv_jobfunktioner"]
    detail = np.where(functions, "cv i jobfunktioner", "cv")
    date = start + day.astype("timedelta64[D]")
    return _registrations(ids[has], date[has], detail[has])


def stv_places(seed: int, slug: str, companies: pd.DataFrame, k: int = 21) -> pd.DataFrame:
    """001: the kind of place of each virksomhedspraktik (``detail``).

    The fixed places of the application ("Virksomhedscentre: 60 faste pladser,
    Træningsbaner: 30 faste pladser, Forhåndsaftaler: 30 pladser") and model 3 ("Virksomheden
    opsøges når en borger matches"): each praktik is in a virksomhedscenter, on a
    træningsbane, on a forhåndsaftale or on an individual agreement with the shares
    ``p_place_*``. The pay of an STV praktik is not used, so its detail holds the place.
    """
    rng = _rng(seed, slug, k)
    truth = PLANTED[slug]
    kinds = ("virksomhedscenter", "træningsbane", "forhåndsaftale", "individuel aftale")
    p = [truth[f"p_place_{k}"] for k in ("virksomhedscenter", "traeningsbane", "forhaandsaftale",
                                        "individuel")]  # fmt: skip
    out = companies.copy()
    praktik = (out["type"] == "virksomhedspraktik").to_numpy()
    out.loc[praktik, "detail"] = rng.choice(kinds, int(praktik.sum()), p=p)
    return out


def fsm_cv_goal(seed: int, slug: str, participants: pd.DataFrame) -> pd.DataFrame:
    """004: "I 2018 blev der indført krav om, at alle aktivitetsparate borgere skulle have
    et CV samt et beskæftigelsesmål".

    A CV (``registrering``/``cv``): a share ``p_cv_before`` have one from before the
    project (a day 30-400 before the start); of the others a share ``p_cv_2018`` get one
    on a day in 2018. A beskæftigelsesmål (``beskæftigelsesmål``) likewise with
    ``p_goal_before`` and ``p_goal_2018``. So by the end of 2018 the share with both is
    ``(b + (1 - b) q)`` for each, multiplied (``p_cv_goal_end_2018``).
    """
    rng = _rng(seed, slug, 22)
    truth = PLANTED[slug]
    ids = participants["person_id"].to_numpy()
    start = participants["start_date"].to_numpy(dtype="datetime64[D]")
    y2018 = np.datetime64("2018-01-01")
    frames = []
    for detail, before, during in (("cv", "p_cv_before", "p_cv_2018"),
                                   ("beskæftigelsesmål", "p_goal_before", "p_goal_2018")):  # fmt: skip
        old = rng.random(len(ids)) < truth[before]
        new = ~old & (rng.random(len(ids)) < truth[during])
        date = np.where(
            old,
            start - rng.integers(30, 401, len(ids)).astype("timedelta64[D]"),
            y2018 + rng.integers(0, 365, len(ids)).astype("timedelta64[D]"),
        )
        has = old | new
        frames.append(_registrations(ids[has], date[has], detail))
    return pd.concat(frames, ignore_index=True)


def fsm_group3(seed: int, slug: str, participants: pd.DataFrame) -> pd.DataFrame:
    """004, group 3: "Projektlederen og leder fra Handicap og psykiatri har sammen drøftet
    og vurderet hver enkelt borger i gruppe 3. Der er efterfølgende givet tilbagemelding
    til koordinerende sagsbehandler".

    A share ``p_group3_vurdering`` of group 3 are assessed (``registrering``/``vurdering
    med handicap og psykiatri``) on a day 14-179 after the start; of those a share
    ``p_group3_tilbagemelding`` get a feedback to the coordinating caseworker
    (``tilbagemelding til koordinerende sagsbehandler``) 3-30 days later.
    """
    rng = _rng(seed, slug, 23)
    truth = PLANTED[slug]
    g3 = participants[participants["subgroup"] == "gruppe 3"]
    ids = g3["person_id"].to_numpy()
    start = g3["start_date"].to_numpy(dtype="datetime64[D]")
    assessed = rng.random(len(ids)) < truth["p_group3_vurdering"]
    day = start + rng.integers(14, 180, len(ids)).astype("timedelta64[D]")
    fed = assessed & (rng.random(len(ids)) < truth["p_group3_tilbagemelding"])
    back = day + rng.integers(3, 31, len(ids)).astype("timedelta64[D]")
    return pd.concat([
        _registrations(ids[assessed], day[assessed], "vurdering med handicap og psykiatri"),
        _registrations(ids[fed], back[fed], "tilbagemelding til koordinerende sagsbehandler"),
    ], ignore_index=True)  # fmt: skip


def aalborg_offers(seed: int, slug: str, participants: pd.DataFrame) -> pd.DataFrame:
    """003: "Flere ledige kommer i gang med et virksomhedsrettet tilbud og ordinær løntimer".

    Both arms: a company-based offer (virksomhedspraktik 70 %, løntilskud 30 %) beginning
    in week 2-25 after the start, with probability ``p_offer_26_indsats`` for participants
    and ``p_offer_26_pool`` for the comparison pool; the pool's småjob (ordinary hours;
    the participants' småjob are drawn by the main stream with ``p_smaajob`` 0.8) with
    ``p_smaajob_pool``, in week 3-19. Independent of the covariates, so the weighted pool
    has the crude pool's expectation.
    """
    rng = _rng(seed, slug, 25)
    truth = PLANTED[slug]
    ids = participants["person_id"].to_numpy()
    start = participants["start_date"].to_numpy(dtype="datetime64[D]")
    part = (participants["arm"] == "indsats").to_numpy()
    n = len(ids)
    offer = rng.random(n) < np.where(part, truth["p_offer_26_indsats"], truth["p_offer_26_pool"])
    kind = rng.choice(["virksomhedspraktik", "loentilskud"], n, p=[0.7, 0.3])
    o_start = start + (7 * rng.integers(2, 26, n)).astype("timedelta64[D]")
    o_len = (7 * rng.integers(4, 14, n) - 3).astype("timedelta64[D]")
    job = ~part & (rng.random(n) < truth["p_smaajob_pool"])
    j_start = start + (7 * rng.integers(3, 20, n)).astype("timedelta64[D]")
    j_len = (7 * rng.integers(4, 26, n) - 3).astype("timedelta64[D]")
    return pd.concat([
        pd.DataFrame({"person_id": ids[offer], "type": kind[offer],
                      "start_date": pd.DatetimeIndex(o_start[offer]),
                      "end_date": pd.DatetimeIndex(o_start[offer] + o_len[offer]),
                      "hours": 25.0}),
        pd.DataFrame({"person_id": ids[job], "type": "smaajob",
                      "start_date": pd.DatetimeIndex(j_start[job]),
                      "end_date": pd.DatetimeIndex(j_start[job] + j_len[job]),
                      "hours": rng.integers(4, 16, int(job.sum())).astype(float)}),
    ], ignore_index=True)  # fmt: skip


def joblog_week(
    rng: np.random.Generator,
    ids: np.ndarray,
    start: pd.Series,
    k: int,
    use: np.ndarray,
    end: pd.Series,
    last: pd.Timestamp,
    rate: float | np.ndarray,
    level: np.ndarray,
) -> pd.DataFrame:
    """Joblog rows of week ``k`` from each person's start week, for all persons at once.

    A user (``use``) logs in with probability 0.85 in a week up to ``end`` and ``last``;
    the count is Poisson with mean ``rate x level / 0.85`` and the day a weekday. The
    draws (login, count, day) are taken in that order, so callers get the same stream.
    """
    n = len(ids)
    monday = start + pd.Timedelta(weeks=k)
    logged = use & (rng.random(n) < 0.85) & (monday <= end).to_numpy()
    logged &= (monday <= last).to_numpy()
    count = rng.poisson(rate * level / 0.85)
    day = monday + pd.to_timedelta(rng.integers(0, 5, n), unit="D")
    keep = logged & (count > 0)
    return pd.DataFrame(
        {"person_id": ids[keep], "date": day.to_numpy()[keep], "applications": count[keep]}
    )


def aalborg_joblog(
    seed: int, slug: str, participants: pd.DataFrame, last: pd.Timestamp
) -> pd.DataFrame:
    """003: "De ledige er mere jobsøgende og har et større brug af Joblog".

    Both arms: a person uses the Joblog with probability ``joblog_use_indsats`` or
    ``joblog_use_pool``; a user logs in about 85 % of the 26 weeks from the start week (up
    to the end date and ``last``), Poisson counts with mean ``rate x level / 0.85``, the
    person's level gamma(5, 1/5) and the rate ``joblog_rate_indsats`` or
    ``joblog_rate_pool``. So the jobs applied for per week, over all persons, have mean
    use x rate (``joblog_jobs_week_*``).
    """
    rng = _rng(seed, slug, 26)
    truth = PLANTED[slug]
    ids = participants["person_id"].to_numpy()
    part = (participants["arm"] == "indsats").to_numpy()
    n = len(ids)
    use = rng.random(n) < np.where(part, truth["joblog_use_indsats"], truth["joblog_use_pool"])
    rate = np.where(part, truth["joblog_rate_indsats"], truth["joblog_rate_pool"])
    level = rng.gamma(5.0, 1 / 5.0, n)
    start = participants["start_date"] - pd.to_timedelta(
        participants["start_date"].dt.dayofweek, unit="D"
    )
    end = participants["end_date"].fillna(last)
    # 26 weeks, vectorised over persons
    rows = [joblog_week(rng, ids, start, k, use, end, last, rate, level) for k in range(26)]
    log = pd.concat(rows, ignore_index=True)
    return log.sort_values(["date", "person_id"], kind="stable").reset_index(drop=True)
