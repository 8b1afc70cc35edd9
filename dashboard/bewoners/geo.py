"""Which buurten exist (BuurtCodes) and where they lie (BuurtLocator). Pure: the caller reads the files.

The shipped buurt shapes are an approximate reconstruction: neighbouring shapes overlap a little and leave
thin gaps. So a point that falls in a gap goes to the nearest buurt within a small tolerance, and a point in
an overlap goes to the shape it lies deepest inside. Callers mark every such assignment as approximate.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import shapely
from shapely import STRtree
from shapely.geometry import Point, shape

# About 150-220 m in the Netherlands; wider than the gaps between reconstructed shapes, narrower than a buurt.
DEFAULT_TOLERANCE_DEG = 0.002


class BuurtLocator:
    """Find the buurt code for a WGS84 point. Build once (about a second for all 2024 buurten), then reuse."""

    def __init__(self, codes: list[str], geometries: list, *, tolerance_deg: float = DEFAULT_TOLERANCE_DEG):
        if len(codes) != len(geometries):
            raise ValueError("codes and geometries differ in length")
        self._codes = codes
        self._geometries = geometries
        self._tree = STRtree(geometries)
        self._tolerance = tolerance_deg

    @classmethod
    def from_geojson(cls, feature_collection: Mapping, code_prop: str = "buurtcode", *,
                     tolerance_deg: float = DEFAULT_TOLERANCE_DEG) -> BuurtLocator:
        """Build from a GeoJSON FeatureCollection (WGS84) whose features carry the code in `code_prop`.

        Features without geometry or code are skipped; invalid polygons are repaired with make_valid.
        """
        codes, geometries = [], []
        for feature in feature_collection.get("features") or []:
            code = (feature.get("properties") or {}).get(code_prop)
            if not code or not feature.get("geometry"):
                continue
            geometry = shape(feature["geometry"])
            if not geometry.is_valid:
                geometry = shapely.make_valid(geometry)
            codes.append(str(code).strip())
            geometries.append(geometry)
        return cls(codes, geometries, tolerance_deg=tolerance_deg)

    @property
    def known_codes(self) -> frozenset[str]:
        return frozenset(self._codes)

    def __len__(self) -> int:
        return len(self._codes)

    def locate(self, lon: float, lat: float) -> str | None:
        """The buurt code at (lon, lat), or None when the point lies in no buurt (e.g. at sea)."""
        point = Point(lon, lat)
        hits = self._tree.query(point, predicate="covered_by")
        if len(hits) == 1:
            return self._codes[int(hits[0])]
        if len(hits) > 1:
            # Overlapping reconstructed shapes: take the one whose edge is farthest from the point.
            best = max(hits, key=lambda i: (self._geometries[i].boundary.distance(point), -int(i)))
            return self._codes[int(best)]
        if self._tolerance <= 0:
            return None
        near = self._tree.query_nearest(point, max_distance=self._tolerance)
        return self._codes[int(min(near))] if len(near) else None


class BuurtCodes:
    """The set of known buurt codes, with a cached 'did you mean' hint for unknown ones."""

    def __init__(self, codes: Iterable[str]):
        self.codes = frozenset(codes)
        self._by_gemeente: dict[str, list[str]] | None = None
        self._hints: dict[str, str] = {}

    @classmethod
    def coerce(cls, codes: BuurtCodes | Iterable[str]) -> BuurtCodes:
        return codes if isinstance(codes, BuurtCodes) else cls(codes)

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def hint(self, code: str) -> str:
        if code not in self._hints:
            self._hints[code] = self._make_hint(code)
        return self._hints[code]

    def _make_hint(self, code: str) -> str:
        if self._by_gemeente is None:
            self._by_gemeente = {}
            for known in sorted(self.codes):
                self._by_gemeente.setdefault(known[2:6], []).append(known)
        candidates = self._by_gemeente.get(code[2:6], [])
        if not candidates:
            return (f"gemeente GM{code[2:6]} heeft geen buurten in de buurtindeling 2024. "
                    "Zoek uw buurt op de kaart, of vul coördinaten (lon en lat) in")
        # A typo changes one character: suggest codes that differ in at most one of the last four places.
        close = [c for c in candidates if sum(a == b for a, b in zip(c[6:], code[6:])) >= 3][:3]
        if close:
            return f"bedoelt u {_or_list(close)}? Of zoek uw buurt op de kaart"
        return (f"de buurtcodes van gemeente GM{code[2:6]} lopen van {candidates[0]} tot {candidates[-1]}; "
                "zoek uw buurt op de kaart")


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} of {items[-1]}"
