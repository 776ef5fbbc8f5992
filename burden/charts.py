"""Server-rendered SVG charts: geometry computed here, drawn by templates, no chart library, no scripts.

The CSP allows only same-origin scripts and styles, so colours come from classes in burden.css.
"""

from decimal import Decimal

WIDTH = 400
LABEL = 104
VALUE = 44


def _num(v) -> float:
    return float(v or 0)


def _fmt(v) -> str:
    v = _num(v)
    return f"{v:.0f}" if v == int(v) or v >= 100 else f"{v:.1f}"


def paired_bars(rows) -> dict | None:
    """Per row: hours demanded, hours available and hours in the field, as three thin bars."""
    if not rows:
        return None
    top = max(max(_num(d), _num(a), _num(f)) for _l, d, a, f in rows) or 1.0
    span = WIDTH - LABEL - VALUE
    out, y = [], 0
    for label, demanded, available, field in rows:
        bars = []
        for i, (value, cls) in enumerate(
            ((demanded, "demanded"), (available, "available"), (field, "field"))
        ):
            w = span * _num(value) / top
            bars.append(
                {
                    "x": LABEL,
                    "y": y + i * 9,
                    "w": round(max(w, 0.5), 1),
                    "h": 8,
                    "cls": cls,
                    "text": _fmt(value),
                    "tx": round(LABEL + w + 4, 1),
                    "ty": y + i * 9 + 7,
                }
            )
        over = _num(demanded) > _num(available) > 0
        out.append({"label": str(label)[:8], "ly": y + 17, "bars": bars, "over": over})
        y += 36
    return {"width": WIDTH, "height": y, "rows": out}


def bars(rows, *, unit: str = "") -> dict | None:
    """One horizontal bar per row, longest first as given."""
    if not rows:
        return None
    top = max(_num(v) for _l, v in rows) or 1.0
    span = WIDTH - LABEL - VALUE
    out = []
    for i, (label, value) in enumerate(rows):
        w = span * _num(value) / top
        y = i * 24
        out.append(
            {
                "label": str(label)[:8],
                "ly": y + 14,
                "x": LABEL,
                "y": y + 3,
                "w": round(max(w, 0.5), 1),
                "h": 14,
                "text": f"{_fmt(value)}{unit}",
                "tx": round(LABEL + w + 4, 1),
                "ty": y + 14,
            }
        )
    return {"width": WIDTH, "height": len(rows) * 24, "rows": out}


def columns(weeks) -> dict | None:
    """Weekly demanded hours as columns, with the hours everyone in view has as a line."""
    if not weeks:
        return None
    height, base = 180, 160
    top = max(max(_num(h), _num(c)) for _l, h, c in weeks) or 1.0
    step = (WIDTH - 40) / len(weeks)
    out = []
    for i, (label, hours, _cap) in enumerate(weeks):
        h = (base - 10) * _num(hours) / top
        x = 20 + i * step
        out.append(
            {
                "x": round(x + step * 0.15, 1),
                "y": round(base - h, 1),
                "w": round(step * 0.7, 1),
                "h": round(max(h, 0.5), 1),
                "label": label,
                "lx": round(x + step / 2, 1),
                "text": _fmt(hours),
                "ty": round(base - h - 4, 1),
            }
        )
    cap = _num(weeks[-1][2])
    cap_y = round(base - (base - 10) * cap / top, 1) if cap else None
    return {
        "width": WIDTH,
        "height": height,
        "cols": out,
        "base": base,
        "cap_y": cap_y,
        "cap": _fmt(Decimal(str(cap))),
    }
