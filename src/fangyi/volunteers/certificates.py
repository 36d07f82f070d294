"""The service certificate as a printable A4 PDF (Chinese text in the CID font every PDF reader has)."""

import io
from typing import Any

from django.utils.translation import gettext as _

from fangyi.core import clock
from fangyi.volunteers.models import Certificate

FONT = "STSong-Light"
# The public page where anyone checks a certificate by its serial.
VERIFY_PATH = "/volunteers/certificates/%(serial)s/"


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate of a volunteer: name, identity number (masked), region served in, hours,
    missions, period, serial and where to verify it."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    title_style = ParagraphStyle("title", fontName=FONT, fontSize=20, leading=28, alignment=1, spaceAfter=8)
    body = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=17)
    small = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=13, textColor=colors.grey)
    volunteer = certificate.volunteer
    person = volunteer.person
    title = _("Volunteer service certificate")
    issued = certificate.issued_at.astimezone(clock.SHANGHAI).date()
    rows = [
        [_("Name"), person.name],
        [_("Identity number"), person.id_number_masked],
        [_("Served in"), volunteer.region.name],
        [_("Approved hours"), str(certificate.hours)],
        [_("Missions"), str(certificate.missions)],
        [_("Period"), f"{certificate.first_day.isoformat()} – {certificate.last_day.isoformat()}"],
        [_("Issued"), issued.isoformat()],
        [_("Serial"), certificate.serial],
    ]
    table = Table(rows, colWidths=[45 * mm, 100 * mm], hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 11),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    story: list[Any] = [
        Paragraph(title, title_style),
        Paragraph(
            _(
                "This certifies that %(name)s served as a volunteer in the epidemic response in "
                "%(region)s, with %(hours)s hours approved by the organisers."
            )
            % {"name": person.name, "region": volunteer.region.name, "hours": certificate.hours},
            body,
        ),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 6 * mm),
        Paragraph(
            _("Anyone can check this certificate at %(path)s.")
            % {"path": VERIFY_PATH % {"serial": certificate.serial}},
            small,
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{title} {certificate.serial}",
        author="Fangyi",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
    )
    document.build(story)
    return buffer.getvalue()
