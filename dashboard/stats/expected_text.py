"""'Beter of slechter dan verwacht' as text (pure, no Streamlit): one sentence per outcome, the reason when
there is no verdict, and the footnote with the model and its sources."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboard.core.format import fmt_number, fmt_value, indicator_decimals
from dashboard.stats.charts import provenance_text
from dashboard.stats.deviance import BETTER, WEAK_FIT_R2, WORSE, possible
from pipelines.precompute import OUTCOMES


def expected_view(rows: pd.DataFrame, catalogue: pd.DataFrame, outcomes: Sequence[str] = OUTCOMES) -> list[dict]:
    """One dict per outcome for a buurt: label, verdict (None when not computed), sentence, detail, r2, n, spec,
    weak (R² below the threshold). rows: mart_expected_values of the buurt."""
    meta = catalogue.set_index("indicator_id")
    by_outcome = rows.set_index("outcome_id") if len(rows) else pd.DataFrame()
    out = []
    for o in outcomes:
        if o not in meta.index:
            continue
        label, unit = str(meta.loc[o, "label"]), str(meta.loc[o, "unit"])
        if o not in by_outcome.index:
            out.append({"outcome_id": o, "label": label, "verdict": None, "r2": None, "n": None, "spec": None,
                        "weak": False, "detail": "",
                        "sentence": f"voor ‘{label}’ is geen verwachting berekend: er ontbreken gegevens"})
            continue
        r = by_outcome.loc[o]
        verdict = str(r["verdict"])
        if verdict in (BETTER, WORSE):
            sentence = f"doet het {verdict} op ‘{label}’"
        else:
            sentence = f"scoort {verdict} op ‘{label}’"
        d = indicator_decimals(o)   # the outcome's own precision, for its expectation too
        expected, low, high = (float(possible(r[k], unit)) for k in ("expected", "pi_low", "pi_high"))
        detail = (f"geschat {fmt_value(r['observed'], unit, d)}; verwacht {fmt_value(expected, unit, d)} "
                  f"(95%-marge {fmt_value(low, unit, d)} – {fmt_value(high, unit, d)})")
        out.append({"outcome_id": o, "label": label, "verdict": verdict, "sentence": sentence, "detail": detail,
                    "r2": float(r["r2"]), "n": int(r["n"]), "spec": str(r["spec"]),
                    "weak": float(r["r2"]) < WEAK_FIT_R2})
    return out



def mark_other_area(lines: list[dict], prov: pd.DataFrame, refused_years: set) -> list[dict]:
    """Say why there is no verdict when the outcome's figure (of the one period the model uses) was refused for
    this buurt because its code named another area in that division (mart_division_identity)."""
    year_of = dict(zip(prov["indicator_id"], prov["boundary_year"]))
    out = []
    for x in lines:
        year = year_of.get(x["outcome_id"])
        if x["verdict"] is None and year is not None and int(year) in {int(y) for y in refused_years}:
            x = {**x, "sentence": f"voor ‘{x['label']}’ is geen verwachting berekend: het cijfer komt uit de "
                                  f"indeling van {int(year)}, en daarin was dit mogelijk een ander gebied (zie boven)"}
        out.append(x)
    return out


def expected_footnote(fitted: list[dict], prov: pd.DataFrame, models: pd.DataFrame, catalogue: pd.DataFrame) -> str:
    """The footnote under 'beter of slechter dan verwacht': the model, and for the outcome and every context
    variable the ONE period and table it was fitted on with its number of buurten (mart_buurt_wide_sources)."""
    labels = catalogue.set_index("indicator_id")["label"].to_dict()
    fits = ", ".join(f"R² {fmt_number(x['r2'], 2)}" for x in fitted)
    sources = "; ".join(f"{x['label']}: {provenance_text(prov, x['outcome_id'])}" for x in fitted)
    expected = models[models["model"] == "expected"] if "model" in models else models.iloc[:0]
    context = dict.fromkeys(v for vs in expected["variables"].dropna() for v in str(vs).split(",") if v)
    context_text = "; ".join(f"{labels.get(v, v)}: {provenance_text(prov, v)}" for v in context)
    return (f"{fitted[0]['spec']} Zo voor elk onderwerp, over alle buurten van Nederland met alle cijfers "
            f"({fits}; n = {fmt_number(fitted[0]['n'])} buurten). Elk cijfer komt uit één periode; buurten "
            "zonder cijfer in die periode doen niet mee (geen aanvulling uit een eerdere meting). "
            "Een verwachting is een rekenmodel, geen oordeel over de buurt. De uitkomsten zijn geschat "
            f"(RIVM/CBS). Bron: {sources}." + (f" Achtergrond: {context_text}." if context_text else ""))


# The words for the groups of deviance.DEFAULT_CONTEXT, in its order; only income and age are named when missing
# (education is an extra where the data have it, e.g. Amsterdam).
BACKGROUND_WORDS = (("inkomen", True), ("leeftijd", True), ("dichtheid", True), ("opleiding", False))


def background(context: Sequence[str], scope_label: str) -> tuple[str, str]:
    """(what the model of 'beter dan verwacht' knows of a buurt, '' or why income or age is not in it) from the
    context it actually used (DevianceResult.context): 'inkomen, leeftijd en dichtheid'; in a gemeente where
    fewer than 80% of the buurten have an income figure the model has only density, and says so."""
    from dashboard.stats.deviance import DEFAULT_CONTEXT, MIN_COVERAGE
    used = set(context)
    words, absent = [], []
    for group, (word, named) in zip(DEFAULT_CONTEXT, BACKGROUND_WORDS):
        if used & set(group):
            words.append(word)
        elif named:
            absent.append(word)
    said = ", ".join(words[:-1]) + " en " + words[-1] if len(words) > 1 else "".join(words)
    if not absent:
        return said, ""
    gone = " en ".join(absent)
    return said, (f"{gone[0].upper()}{gone[1:]} {'zitten' if len(absent) > 1 else 'zit'} hier niet in de "
                  f"verwachting: in {scope_label} heeft minder dan {round(100 * MIN_COVERAGE)}% van de buurten "
                  f"{'die cijfers' if len(absent) > 1 else 'dat cijfer'}. Een buurt kan dus 'beter dan verwacht' "
                  f"zijn door {gone}.")
