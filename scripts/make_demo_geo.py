"""Write static/geo/linjiang.geojson: the synthetic base map of the demo city 临江市.

Government networks are closed, so the ops-center map draws district and street polygons
served by the platform instead of tiles. The city is made up: a river (临江) flows south
through it and turns east to the sea, splitting 江西区 (west bank), 江东区 (east bank),
高新区 and 临港区 (south bank). Codes match the demo departments (tongguan/demo.py).

Every boundary is an arc computed once (a straight line roughened by midpoint displacement,
or a river bank), and each polygon is assembled from arcs, so neighbours share their
borders point for point and never overlap. Deterministic: the same file every run.

    .venv/bin/python scripts/make_demo_geo.py
"""
from __future__ import annotations

import json
import math
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "static/geo/linjiang.geojson"
SEED = 2026

# The river's centre line, north edge to the mouth (lon, lat), and its half-width there.
RIVER = [(120.226, 30.402), (120.233, 30.36), (120.224, 30.322), (120.212, 30.292), (120.219, 30.258),
         (120.231, 30.226), (120.252, 30.203), (120.283, 30.191), (120.316, 30.196), (120.35, 30.186),
         (120.394, 30.171)]
HALF_WIDTH = (0.0032, 0.0068)

# Outer corners and where inner borders meet the outline.
NODES = {
    "nw": (120.121, 30.391), "n_jx": (120.171, 30.409), "ne": (120.368, 30.393), "e_jd": (120.396, 30.301),
    "se": (120.381, 30.126), "s_lg": (120.336, 30.111), "s_gl": (120.268, 30.097), "sw": (120.128, 30.131),
    "w": (120.093, 30.242), "jx_gl": (120.163, 30.232),
}


def roughen(a, b, rng: random.Random, depth: int = 5, amp: float = 0.16) -> list:
    """a..b as a wiggly line: midpoint displacement, perpendicular, shrinking each level."""
    if depth == 0:
        return [a, b]
    (x1, y1), (x2, y2) = a, b
    length = math.hypot(x2 - x1, y2 - y1)
    off = rng.uniform(-amp, amp) * length
    mid = ((x1 + x2) / 2 - (y2 - y1) / length * off, (y1 + y2) / 2 + (x2 - x1) / length * off)
    return roughen(a, mid, rng, depth - 1, amp)[:-1] + roughen(mid, b, rng, depth - 1, amp)


def chaikin(points: list, rounds: int = 4) -> list:
    for _ in range(rounds):
        out = [points[0]]
        for (x1, y1), (x2, y2) in zip(points, points[1:]):
            out += [(0.75 * x1 + 0.25 * x2, 0.75 * y1 + 0.25 * y2), (0.25 * x1 + 0.75 * x2, 0.25 * y1 + 0.75 * y2)]
        points = out + [points[-1]]
    return points


def banks(rng: random.Random) -> tuple[list, list]:
    """(left bank, right bank) of the river, both from the north edge to the mouth. Flowing
    south then east, the left bank is 江东's and the right bank the others'."""
    jittered = [RIVER[0]] + [(x + rng.uniform(-0.002, 0.002), y + rng.uniform(-0.002, 0.002)) for x, y in RIVER[1:-1]]
    line = chaikin(jittered + [RIVER[-1]])
    left, right = [], []
    for i, (x, y) in enumerate(line):
        (px, py), (nx, ny) = line[max(i - 1, 0)], line[min(i + 1, len(line) - 1)]
        dx, dy = nx - px, ny - py
        norm = math.hypot(dx, dy)
        w = HALF_WIDTH[0] + (HALF_WIDTH[1] - HALF_WIDTH[0]) * (i / (len(line) - 1)) ** 2
        w *= 1 + 0.15 * math.sin(i / 3.0)
        left.append((x - dy / norm * w, y + dx / norm * w))
        right.append((x + dy / norm * w, y - dx / norm * w))
    return left, right


class Arcs:
    """Roughened straight borders, each made once and handed out in either direction."""

    def __init__(self, rng: random.Random):
        self.rng, self.made = rng, {}

    def __call__(self, a, b) -> list:
        key = (a, b) if a <= b else (b, a)
        if key not in self.made:
            self.made[key] = roughen(key[0], key[1], self.rng)
        line = self.made[key]
        return line if key == (a, b) else line[::-1]


def ring(*parts: list) -> list:
    out = []
    for part in parts:
        out += part if not out or out[-1] != part[0] else part[1:]
    if out[0] != out[-1]:
        out.append(out[0])
    if sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(out, out[1:])) < 0:
        out.reverse()  # RFC 7946: exterior rings counterclockwise
    return [[round(x, 5), round(y, 5)] for x, y in out]


def nearest(line: list, test) -> int:
    return min(range(len(line)), key=lambda i: test(line[i]))


def build() -> dict:
    rng = random.Random(SEED)
    left, right = banks(rng)
    arc, n = Arcs(rng), NODES
    # Where inner borders leave the right bank: 江西|高新, 高新|临港, and 渔门|海口 inside 临港.
    r1 = nearest(right, lambda p: abs(p[1] - 30.233) + (p[0] < 120.2) * 9)
    r2 = nearest(right, lambda p: abs(p[0] - 120.283) + (p[1] > 30.21) * 9)
    r3 = nearest(right, lambda p: abs(p[0] - 120.341) + (p[1] > 30.21) * 9)
    l1 = nearest(left, lambda p: abs(p[1] - 30.302))  # 望月|滨湖 inside 江东
    R, L = right, left
    rb = lambda i, j: R[i:j + 1]  # noqa: E731 - a slice of the right bank, north to south/east
    lb = lambda i, j: L[i:j + 1]  # noqa: E731

    streets = {
        "jx-gl": ("古楼街道", "jx", ring(arc(n["n_jx"], R[0]), rb(0, r1), arc(R[r1], n["jx_gl"]),
                                         arc(n["jx_gl"], n["n_jx"]))),
        "jx-qs": ("青石街道", "jx", ring(arc(n["nw"], n["n_jx"]), arc(n["n_jx"], n["jx_gl"]),
                                         arc(n["jx_gl"], n["w"]), arc(n["w"], n["nw"]))),
        "gx-kc": ("科创街道", "gx", ring(arc(n["w"], n["jx_gl"]), arc(n["jx_gl"], R[r1]), rb(r1, r2),
                                         arc(R[r2], n["s_gl"]), arc(n["s_gl"], n["sw"]), arc(n["sw"], n["w"]))),
        "lg-ym": ("渔门街道", "lg", ring(rb(r2, r3), arc(R[r3], n["s_lg"]), arc(n["s_lg"], n["s_gl"]),
                                         arc(n["s_gl"], R[r2]))),
        "lg-hk": ("海口镇", "lg", ring(rb(r3, len(R) - 1), arc(R[-1], n["se"]), arc(n["se"], n["s_lg"]),
                                        arc(n["s_lg"], R[r3]))),
        "jd-wy": ("望月街道", "jd", ring(arc(L[0], n["ne"]), arc(n["ne"], n["e_jd"]), arc(n["e_jd"], L[l1]),
                                         lb(0, l1)[::-1])),
        "jd-bh": ("滨湖街道", "jd", ring(lb(l1, len(L) - 1), arc(L[-1], n["e_jd"]), arc(n["e_jd"], L[l1]))),
    }
    districts = {
        "jx": ("江西区", ring(arc(n["nw"], n["n_jx"]), arc(n["n_jx"], R[0]), rb(0, r1), arc(R[r1], n["jx_gl"]),
                               arc(n["jx_gl"], n["w"]), arc(n["w"], n["nw"]))),
        "gx": ("高新区", streets["gx-kc"][2]),
        "lg": ("临港区", ring(rb(r2, len(R) - 1), arc(R[-1], n["se"]), arc(n["se"], n["s_lg"]),
                               arc(n["s_lg"], n["s_gl"]), arc(n["s_gl"], R[r2]))),
        "jd": ("江东区", ring(arc(L[0], n["ne"]), arc(n["ne"], n["e_jd"]), arc(n["e_jd"], L[-1]), L[::-1])),
    }
    river = ring(L, [R[-1]], R[::-1])  # the mouth and the north edge close it with straight lines

    def feature(code, name, level, coords, **extra):
        return {"type": "Feature", "properties": {"code": code, "name": name, "level": level, **extra},
                "geometry": {"type": "Polygon", "coordinates": [coords]}}

    features = [feature("linjiang", "临江", "water", river)]
    features += [feature(code, name, "district", coords) for code, (name, coords) in districts.items()]
    features += [feature(code, name, "street", coords, district=d) for code, (name, d, coords) in streets.items()]
    return {"type": "FeatureCollection", "name": "临江市（演示）", "features": features}


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(build(), ensure_ascii=False, separators=(",", ":"))
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(OUT.parent.parent.parent)}: {len(text) // 1024} kB")


if __name__ == "__main__":
    main()
