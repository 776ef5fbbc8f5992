"""The monthly travel claim as rows (for core.excel) and as a PDF with reportlab's built-in Chinese font."""

import io

from django.utils.translation import gettext as _


def claim_rows(claim) -> tuple[list[str], list[list]]:
    header = [_("日期"), _("出发地"), _("目的地"), _("里程（公里）"), _("车辆"), _("油费（元）")]
    rule = claim.rule
    per_km = float(rule.consumption_l_per_100km) / 100 * float(rule.fuel_price)
    rows = [
        [t.date.isoformat(), t.origin, t.destination, float(t.km), t.vehicle, round(float(t.km) * per_km, 2)]
        for t in claim.trips
    ]
    rows.append([])
    rows.append([_("合计"), "", "", claim.km, "", claim.cost])
    rows.append([_("补贴"), "", "", "", "", claim.subsidy])
    rows.append([_("自付缺口"), "", "", "", "", claim.gap])
    return header, rows


def gap_rows(claims) -> tuple[list[str], list[list]]:
    header = [_("干部"), _("里程（公里）"), _("油费（元）"), _("补贴（元）"), _("缺口（元）")]
    rows = [[str(c.cadre), c.km, c.cost, c.subsidy, c.gap] for c in claims]
    rows.append(
        [
            _("合计"),
            sum(c.km for c in claims),
            sum(c.cost for c in claims),
            sum(c.subsidy for c in claims),
            round(sum(c.gap for c in claims), 2),
        ]
    )
    return header, rows


def claim_pdf(claim) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    title = ParagraphStyle("t", fontName="STSong-Light", fontSize=16, leading=22)
    body = ParagraphStyle("b", fontName="STSong-Light", fontSize=10, leading=14)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"{claim.cadre} {claim.month:%Y-%m}")
    header, rows = claim_rows(claim)
    data = [header] + [[str(v) if v is not None else "" for v in r] for r in rows if r]
    table = Table(data, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F0F2F5")),
            ]
        )
    )
    rule = claim.rule
    story = [
        Paragraph(_("%(month)s 交通费用报销单") % {"month": claim.month.strftime("%Y-%m")}, title),
        Spacer(1, 6),
        Paragraph(_("干部：%(name)s") % {"name": claim.cadre}, body),
        Paragraph(
            _("油价 %(price)s 元/升，油耗 %(cons)s 升/百公里，每月补贴 %(sub)s 元")
            % {"price": rule.fuel_price, "cons": rule.consumption_l_per_100km, "sub": rule.subsidy_per_month},
            body,
        ),
        Spacer(1, 8),
        table,
        Spacer(1, 8),
        Paragraph(
            _("里程 %(km)s 公里，油费 %(cost)s 元，补贴 %(sub)s 元，自付缺口 %(gap)s 元")
            % {"km": claim.km, "cost": claim.cost, "sub": claim.subsidy, "gap": claim.gap},
            body,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
