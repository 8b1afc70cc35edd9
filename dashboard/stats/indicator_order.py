"""The order indicators are shown in: lens first (Kracht, Zorgen, ...), then their place in the catalogue."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from dashboard.stats.charts import LENS_ORDER


@lru_cache(maxsize=1)
def catalogue_order() -> dict[str, int]:
    from pipelines.catalogue import load_catalogue
    return {ind.id: i for i, ind in enumerate(load_catalogue().indicators)}



def ordered(catalogue: pd.DataFrame) -> pd.DataFrame:
    order = catalogue_order()
    lens = catalogue["lens"].map({v: i for i, v in enumerate(LENS_ORDER)}).fillna(9)
    return catalogue.assign(_l=lens, _o=catalogue["indicator_id"].map(order).fillna(999)).sort_values(["_l", "_o"])
