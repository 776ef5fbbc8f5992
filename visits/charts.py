"""Server-rendered inline SVG charts: no chart library, no script, readable without colour."""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def _svg(width: int, height: int, body: str, label: str = "") -> str:
    return mark_safe(  # noqa: S308 - every text piece below is escaped
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )


def line_chart(
    points: list[tuple[str, float]], *, width: int = 360, height: int = 160, maximum: float = 100
) -> str:
    """Percent over time (e.g. share visited on time per week)."""
    if not points:
        return ""
    left, right, top, bottom = 30, 18, 10, 24
    w, h = width - left - right, height - top - bottom
    step = w / max(len(points) - 1, 1)
    coords = [
        (left + i * step, top + h - h * min(v, maximum) / maximum) for i, (_label, v) in enumerate(points)
    ]
    parts = [f'<line class="axis" x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}"/>']
    for pct in (0, 50, 100):
        y = top + h - h * pct / maximum
        parts.append(f'<text class="tick" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{pct}</text>')
        parts.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + w}" y2="{y:.1f}"/>')
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    parts.append(f'<polyline class="line" points="{path}"/>')
    for (x, y), (label, value) in zip(coords, points, strict=True):
        parts.append(
            f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{escape(label)}: {value}%</title></circle>'
        )
    for i, (x, _y) in enumerate(coords):
        if i % 2 == 0 or i == len(coords) - 1:
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{height - 6}" text-anchor="middle">{escape(points[i][0])}</text>'
            )
    return _svg(width, height, "".join(parts), "trend")


def stacked_bars(rows: list[tuple[str, int, int]], *, width: int = 360, height: int = 170) -> str:
    """Per week: in-person (dark) and remote (light) visits stacked."""
    if not rows:
        return ""
    left, right, top, bottom = 34, 6, 10, 24
    w, h = width - left - right, height - top - bottom
    peak = max((a + b for _, a, b in rows), default=0) or 1
    bw = w / len(rows)
    parts = [f'<line class="axis" x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}"/>']
    parts.append(f'<text class="tick" x="{left - 4}" y="{top + 8}" text-anchor="end">{peak}</text>')
    for i, (label, a, b) in enumerate(rows):
        x = left + i * bw + bw * 0.15
        ha, hb = h * a / peak, h * b / peak
        parts.append(
            f'<rect class="bar-a" x="{x:.1f}" y="{top + h - ha:.1f}" width="{bw * 0.7:.1f}" height="{ha:.1f}">'
            f"<title>{escape(label)} {_('入户')} {a}</title></rect>"
        )
        parts.append(
            f'<rect class="bar-b" x="{x:.1f}" y="{top + h - ha - hb:.1f}" width="{bw * 0.7:.1f}" height="{hb:.1f}">'
            f"<title>{escape(label)} {_('电话/视频')} {b}</title></rect>"
        )
        if i % 2 == 0 or i == len(rows) - 1:
            parts.append(
                f'<text class="tick" x="{x + bw * 0.35:.1f}" y="{height - 6}" text-anchor="middle">{escape(label)}</text>'
            )
    return _svg(width, height, "".join(parts), "weekly visits")


def hbars(rows: list[tuple[str, float]], *, width: int = 360, maximum: float = 100) -> str:
    """Horizontal percent bars, one per village/cadre."""
    if not rows:
        return ""
    bar, gap, label_w = 16, 6, 110
    height = len(rows) * (bar + gap) + 4
    parts = []
    for i, (label, value) in enumerate(rows):
        y = i * (bar + gap) + 2
        bw = (width - label_w - 40) * min(value, maximum) / maximum
        cls = "bar-bad" if value < 60 else "bar-warn" if value < 85 else "bar-ok"
        parts.append(
            f'<text class="tick" x="{label_w - 6}" y="{y + 12}" text-anchor="end">{escape(label[:8])}</text>'
        )
        parts.append(f'<rect class="{cls}" x="{label_w}" y="{y}" width="{bw:.1f}" height="{bar}"/>')
        parts.append(f'<text class="tick" x="{label_w + bw + 4:.1f}" y="{y + 12}">{value}%</text>')
    return _svg(width, height, "".join(parts), "share by unit")


def route_map(geometry: dict, *, width: int = 360, height: int = 360) -> str:
    """A plain drawing of the office, stops and routes, scaled to fit: the map when no tiles are reachable."""
    office = geometry["office"]
    points = [(office["lat"], office["lng"])] + [
        (s["lat"], s["lng"]) for r in geometry["routes"] for s in r["stops"]
    ]
    lats, lngs = [p[0] for p in points], [p[1] for p in points]
    pad = 20
    span_lat = (max(lats) - min(lats)) or 0.01
    span_lng = (max(lngs) - min(lngs)) or 0.01
    scale = min((width - 2 * pad) / span_lng, (height - 2 * pad) / span_lat)

    def xy(lat, lng):
        return pad + (lng - min(lngs)) * scale, height - pad - (lat - min(lats)) * scale

    parts = []
    ox, oy = xy(office["lat"], office["lng"])
    for n, route in enumerate(geometry["routes"]):
        coords = [(ox, oy)] + [xy(s["lat"], s["lng"]) for s in route["stops"]] + [(ox, oy)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline class="route route-{n % 6}" points="{path}"/>')
        for s in route["stops"]:
            x, y = xy(s["lat"], s["lng"])
            parts.append(
                f'<g class="stop"><circle class="route-{n % 6}" cx="{x:.1f}" cy="{y:.1f}" r="8"/>'
                f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle">{s["seq"]}</text>'
                f"<title>{escape(route['cadre'])} {escape(s['label'])}</title></g>"
            )
    parts.append(
        f'<rect class="office" x="{ox - 7:.1f}" y="{oy - 7:.1f}" width="14" height="14"><title>{escape(office["name"])}</title></rect>'
    )
    return _svg(width, height, "".join(parts), "route")
