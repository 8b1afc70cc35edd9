"""Find a gemeente, wijk or buurt by name or code (pure: takes the mart_regions frame, returns matches).

Names and queries are folded the same way as mart_regions.search_key (lower case, accents and punctuation
removed), so "'s-Hertogenbosch" finds "s hertogenbosch" and "bu0363" finds every BU0363… code.

A Dutch postcode ("3533", "3533 AB", "3533AB") finds the buurten whose most common postcode (KWB,
mart_regions.postcode) has those four digits. Every query is bounded here, not only in the widget: more than
MAX_QUERY_CHARS characters finds nothing, and only the first MAX_WORDS words count, so pasted text costs
milliseconds. Close spellings come from rapidfuzz (C++, bounded per name) instead of difflib.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd
from rapidfuzz import fuzz, process

LEVEL_ORDER = {"land": 0, "gemeente": 1, "wijk": 2, "buurt": 3}
LEVEL_LABEL = {"land": "land", "gemeente": "gemeente", "wijk": "wijk", "buurt": "buurt"}

# Rank of a match; lower is better. Ties: level (gemeente before wijk before buurt), then size, then name.
EXACT_CODE, EXACT_NAME, PREFIX, WORD_PREFIX, CONTAINS, ALL_WORDS = range(6)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Bounds on every query (issue #11 §1): the longest region label is ~60 characters; names have ≤ 6 words.
MAX_QUERY_CHARS = 80
MAX_WORDS = 6
# A Dutch postcode: 4 digits (1000-9999), optionally a space and 2 letters. Only the digits are searched.
_POSTCODE = re.compile(r"\s*([1-9][0-9]{3})\s?([A-Za-z]{2})?\s*")
POSTCODE_NOTE = ("Gevonden op de meest voorkomende postcode van de buurt (alleen de 4 cijfers). Een postcodegebied "
                 "kan over meer buurten lopen, en een buurt kan meer postcodes hebben.")

# Caribbean Netherlands (Bonaire, Sint Eustatius, Saba): no table of this release has them (no GM90xx code in the
# shipped KWB 2023/2024, RIVM, police or Kiesraad files), so a search for them found near spellings (Zonnemaire,
# Borne) without saying why. The note shows only while no region of the release has that name.
CARIBBEAN = frozenset({"bonaire", "sint eustatius", "st eustatius", "statia", "saba", "caribisch nederland",
                       "bes eilanden", "kralendijk"})
CARIBBEAN_NOTE = ("Caribisch Nederland (Bonaire, Sint Eustatius en Saba) staat niet in deze gegevens: de tabellen "
                  "van deze versie hebben alleen de gemeenten, wijken en buurten van Europees Nederland.")


def outside_note(regions: pd.DataFrame, query: str) -> str:
    """CARIBBEAN_NOTE for a search for the Caribbean Netherlands that no region of the release answers, else ''."""
    q = bounded(query)
    if q not in CARIBBEAN or regions.empty:
        return ""
    return "" if (prepare(regions)["_name_f"] == q).any() else CARIBBEAN_NOTE


def former_note(former: pd.DataFrame, regions: pd.DataFrame, query: str) -> str:
    """For a search by the name or code of a former gemeente (queries.former_gemeenten) that no current region
    answers by that name: it was a gemeente in an older boundary year and is not one now. '' otherwise."""
    q = bounded(query)
    if not q or former.empty:
        return ""
    code = q.replace(" ", "").upper()
    hit = former[(fold_series(former["name"]) == q) | (former["region_code"] == code)]
    if hit.empty or (not regions.empty and (prepare(regions)["_name_f"] == fold(hit["name"].iloc[0])).any()):
        return ""
    row = hit.iloc[0]
    return (f"{row['name']} was een gemeente in de indeling van {int(row['boundary_year'])} (code {row['region_code']}), "
            "maar is dat nu niet meer: de gemeente is sindsdien samengevoegd of opgedeeld. Zoek op de naam van een "
            "dorp, wijk of buurt.")


def fold(text: object) -> str:
    """'s-Hertogenbosch -> 's hertogenbosch'; Fryslân -> 'fryslan'; None -> ''."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text).lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", plain).strip()


@dataclass(frozen=True)
class Match:
    region_code: str
    name: str
    level: str
    label: str
    rank: int
    postcode: str | None = None   # set when found by postcode: the buurt's most common postcode


def display_label(row) -> str:
    """'Planciusbuurt-Noord (Haarlemmerbuurt, Amsterdam)' for a buurt; 'Centrum (wijk, Amsterdam)' for a wijk."""
    name, level = row["name"], row["level"]
    gemeente = row.get("gemeente_name")
    if level == "buurt":
        parents = [p for p in (row.get("wijk_name"), gemeente) if isinstance(p, str) and p]
        return f"{name} ({', '.join(parents)})" if parents else f"{name} (buurt)"
    if level == "wijk":
        return f"{name} (wijk, {gemeente})" if isinstance(gemeente, str) else f"{name} (wijk)"
    if level == "gemeente":
        return f"{name} (gemeente)"
    return str(name)


# Common names that are not the official name of the gemeente.
ALIASES = {"den haag": "s gravenhage", "den bosch": "s hertogenbosch"}
_PREPARED = "_name_f"


def prepare(regions: pd.DataFrame) -> pd.DataFrame:
    """Add folded columns once (cache the result per release); search() and suggestions() accept either."""
    if _PREPARED in regions.columns:
        return regions
    out = regions.copy()
    out["_name_f"] = fold_series(out["name"])
    out["_code_l"] = out["region_code"].str.lower()
    out["_all_f"] = (out["search_key"].fillna("") + " " + fold_series(out["wijk_name"]) + " "
                     + fold_series(out["gemeente_name"]))
    out["_level_n"] = out["level"].map(LEVEL_ORDER).fillna(9)
    out["_size"] = -out["inwoners"].fillna(0)
    out["label"] = display_labels(out)
    return out


def fold_series(texts: pd.Series) -> pd.Series:
    """fold() for a whole column at once (vectorised)."""
    plain = (texts.fillna("").astype(str).str.lower().str.normalize("NFKD")
             .str.encode("ascii", "ignore").str.decode("ascii"))
    return plain.str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()


def display_labels(regions: pd.DataFrame) -> pd.Series:
    """display_label() for a whole frame at once."""
    name, gemeente, wijk = (regions[c].fillna("").astype(str) for c in ("name", "gemeente_name", "wijk_name"))
    level = regions["level"]
    buurt_parents = (wijk + ", " + gemeente).str.strip(", ")
    label = name.copy()
    label[level == "gemeente"] = name + " (gemeente)"
    label[level == "wijk"] = name + " (wijk, " + gemeente + ")"
    is_buurt = level == "buurt"
    label[is_buurt] = name + " (" + buurt_parents.where(buurt_parents != "", "buurt") + ")"
    return label


def _ranked(index: pd.DataFrame, q: str) -> pd.Series:
    """Rank per region for folded query `q` (NaN when it does not match)."""
    key, name, code = index["search_key"].fillna(""), index["_name_f"], index["_code_l"]
    compact = q.replace(" ", "")
    rank = pd.Series(float("nan"), index=index.index)
    all_words = pd.Series(True, index=index.index)
    for token in q.split():
        all_words &= index["_all_f"].str.contains(token, regex=False)
    # Assign from the weakest to the strongest rule, so the best rule wins.
    rank[all_words] = ALL_WORDS
    rank[key.str.contains(q, regex=False)] = CONTAINS
    rank[(" " + name).str.contains(" " + q, regex=False)] = WORD_PREFIX
    rank[name.str.startswith(q) | (len(compact) >= 4) & code.str.startswith(compact)] = PREFIX
    rank[name == q] = EXACT_NAME
    rank[code == compact] = EXACT_CODE
    return rank


def _matches(rows: pd.DataFrame, rank: int | pd.Series) -> list[Match]:
    ranks = rank if isinstance(rank, pd.Series) else pd.Series(rank, index=rows.index)
    return [Match(r["region_code"], r["name"], r["level"], r["label"], int(ranks[i])) for i, r in rows.iterrows()]


def bounded(query: object) -> str:
    """The folded query, or '' when it is not text or longer than MAX_QUERY_CHARS; at most MAX_WORDS words."""
    if not isinstance(query, str) or len(query) > MAX_QUERY_CHARS:
        return ""
    return " ".join(fold(query).split()[:MAX_WORDS])


def postcode_of(query: object) -> str | None:
    """'3533', '3533 AB', '3533ab' -> '3533'; anything else (also '35', '0123', 'ABCD12') -> None."""
    if not isinstance(query, str) or len(query) > MAX_QUERY_CHARS:
        return None
    m = _POSTCODE.fullmatch(query)
    return m.group(1) if m else None


def by_postcode(regions: pd.DataFrame, digits: str, limit: int = 12) -> list[Match]:
    """Buurten whose most common postcode (mart_regions.postcode) is `digits`, largest first."""
    index = prepare(regions)
    if "postcode" not in index.columns:
        return []
    hits = index[(index["postcode"] == digits) & (index["level"] == "buurt")]
    hits = hits.sort_values(["_size", "_name_f"]).head(limit)
    return [Match(r["region_code"], r["name"], r["level"], f"{r['label']} · postcode {digits}", EXACT_CODE, digits)
            for _, r in hits.iterrows()]


def search(regions: pd.DataFrame, query: str, limit: int = 8) -> list[Match]:
    """Best matches for `query` among mart_regions rows (region_code, level, name, gemeente_name, wijk_name,
    inwoners, search_key, postcode), ranked: exact code > exact name > prefix > word prefix > contains > all
    words (also in the wijk and gemeente names); ties go gemeente > wijk > buurt, then larger first. A postcode
    finds buurten by their most common postcode. An empty, over-long or digits-only (not a postcode) query
    gives no matches."""
    if regions.empty:
        return []
    digits = postcode_of(query)
    if digits:
        return by_postcode(regions, digits, max(limit, 12))
    q = bounded(query)
    if not q or q.replace(" ", "").isdigit():
        return []
    q = ALIASES.get(q, q)
    index = prepare(regions)
    rank = _ranked(index, q)
    hits = index.assign(_rank=rank)
    hits = hits[hits["_rank"].notna()].sort_values(["_rank", "_level_n", "_size", "_name_f"]).head(limit)
    return _matches(hits, hits["_rank"])


def suggestions(regions: pd.DataFrame, query: str, n: int = 5) -> list[Match]:
    """Close spellings for a query that found nothing ('Amsterdm' -> Amsterdam); codes by shared prefix."""
    q = bounded(query)
    if not q or regions.empty or q.replace(" ", "").isdigit():
        return []
    index = prepare(regions)
    compact = q.replace(" ", "").upper()
    if re.fullmatch(r"(GM|WK|BU)\d{2,}[0-9A-Z]*", compact):
        return suggest_for_code(index, compact, n)
    names = list(dict.fromkeys(index["_name_f"]))
    close = process.extract(q, names, scorer=fuzz.ratio, limit=n, score_cutoff=60)
    order = {name: i for i, (name, _score, _pos) in enumerate(close)}
    picked = index[index["_name_f"].isin(order)]
    picked = picked.assign(_order=picked["_name_f"].map(order)).sort_values(["_order", "_level_n", "_size"])
    return _matches(picked.head(n), ALL_WORDS + 1)


def suggest_for_code(regions: pd.DataFrame, code: str, n: int = 5) -> list[Match]:
    """For a code that does not exist (BU0363AA99): its gemeente and wijk, then buurten sharing the prefix."""
    code = code.strip().upper()
    digits = code[2:]
    wanted = []
    if len(digits) >= 4:
        wanted.append("GM" + digits[:4])
    if len(digits) >= 6:
        wanted.append("WK" + digits[:6])
    index = prepare(regions)
    parts = [index[index["region_code"].isin(wanted)].sort_values("_level_n")]
    for length in range(len(code) - 1, 3, -1):
        same = index[index["region_code"].str.startswith(code[:length]) & ~index["region_code"].isin(wanted)]
        if not same.empty:
            parts.append(same.sort_values("region_code").head(n))
            break
    return _matches(pd.concat(parts).head(n), ALL_WORDS + 1)
