"""A small static SVG map: the region highlighted among its neighbours, drawn from GeoJSON strings.

Pure: shapes in, SVG text out. Coordinates are WGS84 degrees; a plain equirectangular projection scaled by
cos(latitude) is accurate enough for an area the size of a gemeente. The SVG carries no xmlns (inline in HTML
it needs none), so the pack holds no outside address.
"""
from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass

CAPTION = "De vormen zijn een benadering."
STYLE = {  # role -> (fill, stroke, stroke width in px of the drawn map)
    "background": ("#f3f4f1", "#d3d7d0", 0.8),
    "neighbour": ("#e9ece6", "#bfc6bb", 0.7),
    "target": ("#3d8a6a", "#1f4d3a", 1.6),
    "inner": ("none", "#ffffff", 0.6),
}
DRAW_ORDER = ("background", "neighbour", "target", "inner")

Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class Shape:
    code: str
    role: str  # background | neighbour | target | inner
    polygons: tuple[tuple[Ring, ...], ...]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        xs = [x for poly in self.polygons for ring in poly for x, _ in ring]
        ys = [y for poly in self.polygons for ring in poly for _, y in ring]
        return min(xs), min(ys), max(xs), max(ys)


def parse_geometry(geometry: str | dict) -> tuple[tuple[Ring, ...], ...]:
    """Polygon / MultiPolygon GeoJSON (text or dict) -> polygons of rings of (lon, lat)."""
    geo = json.loads(geometry) if isinstance(geometry, str) else geometry
    kind, coords = geo.get("type"), geo.get("coordinates") or []
    if kind == "Polygon":
        coords = [coords]
    elif kind == "GeometryCollection":
        return tuple(p for g in geo.get("geometries", []) for p in parse_geometry(g))
    elif kind != "MultiPolygon":
        return ()
    return tuple(tuple([(float(x), float(y)) for x, y, *_ in ring] for ring in poly if len(ring) >= 3)
                 for poly in coords if poly)


def shape(code: str, role: str, geometry: str | dict | None) -> Shape | None:
    if not geometry:
        return None
    try:
        polygons = parse_geometry(geometry)
    except (ValueError, TypeError):
        return None
    return Shape(code, role, polygons) if polygons else None


def _view(target: tuple[float, float, float, float], pad: float, aspect: float):
    x0, y0, x1, y1 = target
    kx = math.cos(math.radians((y0 + y1) / 2))
    w, h = (x1 - x0) * kx, (y1 - y0)
    w, h = max(w, 1e-4) * (1 + 2 * pad), max(h, 1e-4) * (1 + 2 * pad)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    cx, cy = (x0 + x1) / 2 * kx, (y0 + y1) / 2
    return kx, cx - w / 2, cy - h / 2, w, h


def _path(polygons, project) -> str:
    parts = []
    for poly in polygons:
        for ring in poly:
            points, last = [], None
            for lon, lat in ring:
                p = project(lon, lat)
                if p != last:
                    points.append(p)
                    last = p
            if len(points) >= 3:
                parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


def minimap_svg(shapes: Iterable[Shape | None], *, width: int = 240, height: int = 190, pad: float = 0.35,
                label: str = "") -> str:
    """SVG text, or '' when there is no target shape. `pad` is the margin around the target (share of its size)."""
    shapes = [s for s in shapes if s is not None]
    targets = [s for s in shapes if s.role == "target"]
    if not targets:
        return ""
    boxes = [t.bbox for t in targets]
    target_box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    kx, vx, vy, vw, vh = _view(target_box, pad, width / height)
    scale = width / vw

    def project(lon: float, lat: float) -> tuple[float, float]:
        return round((lon * kx - vx) * scale, 1), round((vy + vh - lat) * scale, 1)

    def visible(s: Shape) -> bool:
        x0, y0, x1, y1 = s.bbox
        return x1 * kx >= vx and x0 * kx <= vx + vw and y1 >= vy and y0 <= vy + vh

    paths = []
    for role in DRAW_ORDER:
        fill, stroke, stroke_width = STYLE[role]
        d = "".join(_path(s.polygons, project) for s in shapes if s.role == role and visible(s))
        if d:
            paths.append(f'<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="{stroke_width}" '
                         f'stroke-linejoin="round" fill-rule="evenodd"/>')
    outline = _path([p for t in targets for p in t.polygons], project)
    paths.append(f'<path d="{outline}" fill="none" stroke="{STYLE["target"][1]}" stroke-width="1.6" '
                 'stroke-linejoin="round"/>')
    label = html.escape(label)
    title = f"<title>{label}</title>" if label else ""
    return (f'<svg class="minimap" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="{label}">{title}'
            f'<rect width="{width}" height="{height}" fill="#fbfbf8"/>{"".join(paths)}</svg>')

