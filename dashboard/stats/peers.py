"""'Vergelijkbare buurten': nearest buurten on standardised context variables.

Each variable is z-scored over all buurten that have it, and buurten are compared by Euclidean distance on
these z-scores, so every variable counts equally. Only buurten with all variables take part: a buurt with a
gap cannot be placed fairly, and the number left out is reported.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dashboard.core.format import fmt_number

from .deviance import LOG_VARIABLES, design_matrix, resolve_available
from .relations import reject_origin_variables

if TYPE_CHECKING:  # scipy is imported only when an index is built (issue #10)
    from scipy.spatial import cKDTree

# Groups of alternatives: the first one with enough coverage is used. Never origin or migration background.
DEFAULT_PEER_VARIABLES: tuple[tuple[str, ...], ...] = (
    ("inwoners",),                                                           # size (log)
    ("omgevingsadressendichtheid", "bevolkingsdichtheid", "stedelijkheid"),  # urbanity (log)
    ("aandeel_65plus",),                                                     # age structure
    ("aandeel_0_15",),
    ("personen_laagste_inkomens", "huishoudens_laagste_40pct", "inkomen_per_inwoner"),  # income
    ("opleiding_laag",),                                                     # education, where available
)
DEFAULT_K = 10
PEER_COLUMNS = ["region_code", "distance", "rank"]


def _as_groups(variables: Sequence[str | Sequence[str]]) -> list[tuple[str, ...]]:
    return [(v,) if isinstance(v, str) else tuple(v) for v in variables]


@dataclass(frozen=True)
class PeerIndex:
    """Precomputed z-scores and a k-d tree for peer look-ups.

    Attributes
    ----------
    variables : variables used (ids; those in LOG_VARIABLES as logs)
    codes : region codes of the buurten in the index, in row order of `z`
    z : array (n_buurten, n_variables) of z-scores
    means, stds : per-variable mean and standard deviation used for the z-scores
    n_excluded : buurten in the frame left out because a variable was missing
    tree : scipy k-d tree over `z`
    labels : optional indicator labels for `explain`
    positions : region_code -> row in `z`
    """

    variables: tuple[str, ...]
    codes: pd.Index
    z: np.ndarray
    means: np.ndarray
    stds: np.ndarray
    n_excluded: int
    tree: "cKDTree" = field(repr=False)  # scipy.spatial, imported in PeerIndex.build (issue #10)
    labels: Mapping[str, str] | None = None
    positions: dict[str, int] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, wide: pd.DataFrame, variables: Sequence[str | Sequence[str]] = DEFAULT_PEER_VARIABLES, *,
              labels: Mapping[str, str] | None = None, min_coverage: float = 0.7) -> PeerIndex:
        """Build the index.

        Parameters
        ----------
        wide : DataFrame indexed by region_code with indicator columns
        variables : ids (must be present, always used) or tuples of alternative ids (the first with
            ≥ `min_coverage` non-missing values is used; a tuple with none is skipped)
        labels : optional indicator labels for `explain`
        min_coverage : share of buurten that must have a value for an alternative to be chosen

        Returns
        -------
        PeerIndex
        """
        reject_origin_variables([v for g in _as_groups(variables) for v in g])
        plain = [v for v in variables if isinstance(v, str) and v not in wide.columns]
        if plain:
            raise ValueError(f"Deze gegevens ontbreken in de tabel: {', '.join(plain)}")
        chosen: list[str] = []
        for v in variables:
            chosen += [v] if isinstance(v, str) else resolve_available(wide, [v], min_coverage=min_coverage)
        chosen = tuple(dict.fromkeys(chosen))
        if len(chosen) < 2:
            raise ValueError("Te weinig kenmerken beschikbaar om buurten te vergelijken.")
        x = design_matrix(wide, chosen).to_numpy()
        means = np.nanmean(x, axis=0)
        stds = np.nanstd(x, axis=0)
        stds = np.where(stds > 0, stds, 1.0)
        complete = np.isfinite(x).all(axis=1)
        z = (x[complete] - means) / stds
        from scipy.spatial import cKDTree  # on first build only (issue #10)
        return cls(variables=chosen, codes=wide.index[complete], z=z, means=means, stds=stds,
                   n_excluded=int((~complete).sum()), tree=cKDTree(z), labels=labels,
                   positions={c: i for i, c in enumerate(wide.index[complete])})

    def __contains__(self, code: object) -> bool:
        return code in self.positions

    def peers(self, code: str, k: int = DEFAULT_K) -> pd.DataFrame:
        """The `k` buurten closest to `code` (itself excluded).

        Returns
        -------
        DataFrame(region_code, distance, rank), rank 1 = most similar; empty when `code` is not in the index
        (a variable is missing for it).
        """
        pos = self.positions.get(code)
        if pos is None:
            return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(PEER_COLUMNS, ("str", "float64", "int64"))})
        k_eff = min(k, len(self.codes) - 1)
        dist, idx = self.tree.query(self.z[pos], k=k_eff + 1)
        keep = idx != pos
        dist, idx = dist[keep][:k_eff], idx[keep][:k_eff]
        return pd.DataFrame({"region_code": self.codes[idx].astype(str), "distance": dist,
                             "rank": np.arange(1, len(idx) + 1)})

    def all_peers(self, k: int = DEFAULT_K, *, workers: int = -1) -> pd.DataFrame:
        """Peers of every buurt in the index.

        Returns
        -------
        DataFrame(region_code, peer_code, distance, rank) with k rows per buurt.
        """
        k_eff = min(k, len(self.codes) - 1)
        dist, idx = self.tree.query(self.z, k=k_eff + 1, workers=workers)
        own = np.arange(len(self.codes))[:, None]
        # Drop each buurt itself; with exact duplicates it need not be in column 0, so mask it explicitly and
        # drop the last column where it was not found.
        is_self = idx == own
        drop = np.where(is_self.any(axis=1)[:, None], is_self, np.arange(k_eff + 1)[None, :] == k_eff)
        idx = idx[~drop].reshape(len(own), k_eff)
        dist = dist[~drop].reshape(len(own), k_eff)
        return pd.DataFrame({
            "region_code": np.repeat(self.codes.to_numpy(dtype=str), k_eff),
            "peer_code": self.codes.to_numpy(dtype=str)[idx.ravel()],
            "distance": dist.ravel(), "rank": np.tile(np.arange(1, k_eff + 1), len(own))})

    def explain(self) -> str:
        """Dutch (B1) explanation of the variables, the distance and the buurten left out."""
        names = []
        for v in self.variables:
            label = (self.labels or {}).get(v, v.replace("_", " "))
            names.append(f"{label} (log)" if v in LOG_VARIABLES else label)
        return (f"Vergelijkbare buurten lijken op deze buurt in: {', '.join(names)}. Elk kenmerk zetten we op "
                "dezelfde schaal (hoeveel een buurt afwijkt van het gemiddelde van alle buurten). De afstand telt "
                "de verschillen op alle kenmerken bij elkaar op: hoe kleiner de afstand, hoe meer de buurt lijkt. "
                f"{fmt_number(self.n_excluded)} buurten doen niet mee omdat er gegevens ontbreken. Vergelijkbaar wil niet "
                "zeggen dat de buurten hetzelfde zijn.")
