"""Lists published as documents: entries, fields, provenance, errors, the review sheet.

Every document is built here (reportlab, python-docx, HTML, text) with the shapes real
lists have; the expected values are written out by hand from what the test put into the
document, never taken from the extractor's own output.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from vigil.cases.extract import (
    REVIEW_COLUMNS,
    Extraction,
    default_review_path,
    extract,
    write_review,
)
from vigil.errors import InputError

REPO = Path(__file__).resolve().parents[2]
MAPPING = REPO / "data" / "cases-demo" / "review.mapping.toml"
FONTS = Path("/usr/share/fonts/truetype/dejavu")
needs_fonts = pytest.mark.skipif(
    not (FONTS / "DejaVuSans.ttf").exists(), reason="DejaVu fonts (Cyrillic, ə) not installed"
)


def by_number(found: Extraction) -> dict[int, dict[str, str]]:
    return {e.number: {k: v.text for k, v in e.fields.items()} for e in found.entries}


# -- PDF --------------------------------------------------------------------------------


def _fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DV" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DV", str(FONTS / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DVB", str(FONTS / "DejaVuSans-Bold.ttf")))


def pdf_bytes(pages: list[list[tuple]], **canvas_kw) -> bytes:
    """Pages of lines: ("h", text) a bold heading, ("t", text) body text,
    ("t", text, mark, rest) text with a raised small footnote mark then more text,
    ("s", text) small print (a footnote); a page number is printed at the foot."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas

    _fonts()
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=(595, 842), **canvas_kw)
    for number, lines in enumerate(pages, 1):
        y = 780.0
        for kind, text, *more in lines:
            if kind == "h":
                y -= 10
                c.setFont("DVB", 14)
                c.drawString(72, y, text)
                y -= 22
                continue
            size = 7 if kind == "s" else 10
            c.setFont("DV", size)
            c.drawString(72, y, text)
            if more:
                mark, rest = more
                x = 72 + pdfmetrics.stringWidth(text, "DV", 10)
                c.setFont("DV", 6)
                c.drawString(x, y + 4, mark)
                c.setFont("DV", 10)
                c.drawString(x + pdfmetrics.stringWidth(mark, "DV", 6), y, rest)
            y -= 14
        c.setFont("DV", 9)
        c.drawString(290, 40, str(number))
        c.showPage()
    c.save()
    return buffer.getvalue()


LIST_PDF = [
    [
        ("h", "Political prisoners in Veloria"),
        ("t", "Compiled by Veloria Rights Watch, October 2026."),
        ("h", "Journalists"),
        (
            "t",
            "1. Rashad Ramazanov (also known as Rashad Agaaddin), blogger. Arrested: 9 May 2013.",
        ),
        ("t", "Charges: Criminal Code article 234.4.3 (drug possession). Held in: Prison No. 14."),
        (
            "t",
            "2. Abilov Abdul Abdulmanaf oğlu, theologian. Date of arrest: 22 November 2013",
            "3",
            ".",
        ),
        ("t", "Place of detention: Baku Pre-trial Detention Centre. Sentence: 7 years."),
        ("t", "3. Xədicə Məmmədova Rəşid qızı, jour\u00ad"),
        ("t", "nalist and activist. Detained on 05.03.2019. Articles: 283.1, 220.1."),
        ("s", "3 Court records, 2014."),
    ],
    [
        ("t", "Held in: Women's Prison No. 4."),
        ("h", "Religious prisoners"),
        ("t", "4. Faraj Karimov, Raqif oğlu – imam. Həbs tarixi: 5 mart 2019. Maddə: 167-2.2.1."),
        ("t", "5. Иванов Пётр Сергеевич, 1975 г.р., журналист. Задержан 12 марта 2021 г."),
        ("t", "Место содержания: СИЗО-1."),
        ("h", "Lawyers"),
        ("t", "1. Elchin Sadigov, lawyer of entries 1 and 2."),
        ("t", "2. Fakhraddin Mehdiyev, lawyer of entry 4."),
    ],
]


@needs_fonts
def test_pdf_entries_fields_and_provenance(tmp_path):
    path = tmp_path / "list.pdf"
    path.write_bytes(pdf_bytes(LIST_PDF))
    found = extract(path)
    assert found.format == "pdf" and found.pages == 2
    fields = by_number(found)
    assert len(found.entries) == 5  # the two lawyers are not people
    assert sorted(fields) == [1, 2, 3, 4, 5]
    assert fields[1]["name"] == "Rashad Ramazanov"
    assert [a.text for a in found.entries[0].aliases] == ["Rashad Agaaddin"]
    assert fields[1]["date_of_arrest"] == "9 May 2013"
    assert fields[1]["articles"] == "234.4.3"
    assert fields[1]["place_of_detention"] == "Prison No. 14"
    assert fields[1]["occupation"] == "blogger"
    # the raised footnote mark after the year is not part of the date
    assert fields[2]["name"] == "Abilov Abdul Abdulmanaf oğlu"
    assert fields[2]["date_of_arrest"] == "22 November 2013"
    assert fields[2]["place_of_detention"] == "Baku Pre-trial Detention Centre"
    assert fields[2]["sentence"] == "7 years"
    # a soft hyphen at the end of a line; the entry goes on over the page break
    assert fields[3]["name"] == "Xədicə Məmmədova Rəşid qızı"
    assert fields[3]["occupation"] == "journalist and activist"
    assert fields[3]["date_of_arrest"] == "05.03.2019"
    assert fields[3]["articles"] == "283.1; 220.1"
    assert fields[3]["place_of_detention"] == "Women's Prison No. 4"
    assert "Court records" not in found.entries[2].text  # small print left out
    assert fields[4]["name"] == "Faraj Karimov, Raqif oğlu"
    assert fields[4]["date_of_arrest"] == "5 mart 2019"
    assert fields[4]["articles"] == "167-2.2.1"
    assert fields[5]["name"] == "Иванов Пётр Сергеевич"
    assert fields[5]["birth_date"] == "1975"
    assert fields[5]["date_of_arrest"] == "12 марта 2021"
    assert fields[5]["place_of_detention"] == "СИЗО-1"
    entries = {e.number: e for e in found.entries}
    assert entries[5].status == "detained" and entries[1].status == "arrested"
    assert [e.category for e in found.entries] == ["Journalists"] * 3 + ["Religious prisoners"] * 2
    # provenance: entry 3 starts on page 1, its place of detention is on page 2
    assert (entries[3].page, entries[3].fields["place_of_detention"].page) == (1, 2)
    assert entries[4].page == 2 and entries[1].fields["charges"].page == 1
    assert entries[1].fields["date_of_arrest"].confidence == 1.0
    assert entries[1].fields["occupation"].confidence == 0.6  # inferred from its place
    assert any('"Lawyers" skipped' in p for p in found.problems)
    assert entries[2].parts == {
        "surname": "Abilov",
        "given_name": "Abdul",
        "patronymic": "Abdulmanaf oğlu",
    }
    assert entries[5].parts == {
        "surname": "Иванов",
        "given_name": "Пётр",
        "patronymic": "Сергеевич",
    }


@needs_fonts
def test_pdf_without_text_layer_is_a_scan(tmp_path):
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (60, 20), 255)
    for x in range(5, 55):
        image.putpixel((x, 10), 0)
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer)
    c.drawImage(ImageReader(image), 72, 700, width=300, height=100)
    c.showPage()
    c.save()
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(buffer.getvalue())
    with pytest.raises(InputError, match=r"scan\.pdf has no text layer: a scanned .*OCR"):
        extract(scan)
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer)
    c.rect(72, 600, 200, 100, fill=1)
    c.line(72, 500, 400, 500)
    c.showPage()
    c.save()
    shapes = tmp_path / "shapes.pdf"
    shapes.write_bytes(buffer.getvalue())
    with pytest.raises(InputError, match="has no text layer"):
        extract(shapes)


@needs_fonts
def test_pdf_encrypted_and_damaged(tmp_path):
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(pdf_bytes(LIST_PDF, encrypt="secret"))
    with pytest.raises(InputError, match=r"locked\.pdf: the PDF is encrypted"):
        extract(locked)
    whole = pdf_bytes(LIST_PDF)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(InputError, match=r"broken\.pdf: not a readable PDF"):
        extract(broken)
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.4\n this is not a PDF at all")
    with pytest.raises(InputError, match="not a readable PDF"):
        extract(garbage)


# -- Word -------------------------------------------------------------------------------


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Список подготовлен правозащитниками 1 октября 2026 года.")
    document.add_heading("Политзаключённые", level=1)
    document.add_paragraph(
        "Иванов Иван Иванович, журналист. Дата задержания: 12.03.2021. Ст. 280.3. "
        "Место содержания: СИЗО-1 г. Москвы.",
        style="List Number",
    )
    document.add_paragraph(
        "Петрова Анна Сергеевна (также известна как Анна Шторм), активистка. "
        "Задержана 2021-04-07. Приговор: 3 года.",
        style="List Number",
    )
    document.add_heading("Religious prisoners", level=1)
    document.add_paragraph(
        "Mammadov Taleh Bagir oglu (Taleh Bağırzadə), theologian. Arrested on 2015-11-26. "
        "Charges: Criminal Code articles 214.2.1 and 220.1.",
        style="List Number",
    )
    document.add_heading("Адвокаты", level=1)
    document.add_paragraph("Сидоров Олег Павлович", style="List Number")
    document.add_paragraph("Кузнецова Мария Петровна", style="List Number")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_automatic_numbering_and_headings(tmp_path):
    path = tmp_path / "list.docx"
    path.write_bytes(docx_bytes())
    found = extract(path)
    # Word's numbering is not in the text: the numbers come from the list (1, 2, 3; the
    # lawyers would be 4 and 5 but are not prisoners)
    assert [e.number for e in found.entries] == [1, 2, 3]
    fields = by_number(found)
    assert fields[1]["name"] == "Иванов Иван Иванович"
    assert fields[1]["date_of_arrest"] == "12.03.2021"
    assert fields[1]["articles"] == "280.3"
    assert fields[1]["place_of_detention"] == "СИЗО-1 г. Москвы"
    assert fields[2]["name"] == "Петрова Анна Сергеевна"
    assert [a.text for a in found.entries[1].aliases] == ["Анна Шторм"]
    assert fields[2]["date_of_arrest"] == "2021-04-07"
    assert found.entries[1].status == "detained"
    assert fields[2]["sentence"] == "3 года"
    assert fields[3]["name"] == "Mammadov Taleh Bagir oglu"
    assert [a.text for a in found.entries[2].aliases] == ["Taleh Bağırzadə"]
    assert fields[3]["articles"] == "214.2.1; 220.1"
    assert [e.category for e in found.entries] == ["Политзаключённые"] * 2 + ["Religious prisoners"]
    # provenance in a Word file: the paragraph number (1 intro, 2 heading, 3, 4 …)
    assert [e.line for e in found.entries] == [3, 4, 6]
    assert all(e.page is None for e in found.entries)
    assert any('"Адвокаты" skipped' in p for p in found.problems)


def test_docx_damaged_and_encrypted(tmp_path):
    whole = docx_bytes()
    broken = tmp_path / "broken.docx"
    broken.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match=r"broken\.docx: not a readable Word document"):
        extract(broken)
    # an encrypted Office file is an OLE container holding an "EncryptedPackage" stream
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le")
    locked = tmp_path / "locked.docx"
    locked.write_bytes(ole + b"\0" * 100)
    with pytest.raises(InputError, match=r"locked\.docx: the Word document is encrypted"):
        extract(locked)


# -- HTML -------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Siyasi məhbuslar</title></head>
<body>
<h1>Siyasi məhbusların siyahısı</h1>
<p>Siyahı 2026-cı ilin oktyabrında yenilənib.</p>
<h2>Jurnalistlər</h2>
<ol>
<li>Əliyev Tofiq Rəşid oğlu, jurnalist.<br>
Həbs tarixi: 05.03.2019. Maddə: 283.1; 220.1.<br>
Saxlanıldığı yer: Kürdəxanı istintaq təcridxanası.</li>
<li>Mehman Hüseynov (Mehman Huseynov), bloger. Həbs tarixi: 2017-01-09.</li>
</ol>
<h2>Mənbələr</h2>
<ol>
<li><a href="https://example.org/a">https://example.org/a</a></li>
<li><a href="https://example.org/b">https://example.org/b</a></li>
</ol>
</body></html>
"""


def test_html_ordered_list(tmp_path):
    path = tmp_path / "list.html"
    path.write_text(HTML, encoding="utf-8")
    found = extract(path)
    fields = by_number(found)
    assert len(found.entries) == 2  # the sources are not people
    assert fields[1] == {
        "name": "Əliyev Tofiq Rəşid oğlu",
        "occupation": "jurnalist",
        "date_of_arrest": "05.03.2019",
        "articles": "283.1; 220.1",
        "place_of_detention": "Kürdəxanı istintaq təcridxanası",
    }
    assert fields[2]["name"] == "Mehman Hüseynov"
    assert [a.text for a in found.entries[1].aliases] == ["Mehman Huseynov"]
    assert fields[2]["date_of_arrest"] == "2017-01-09"
    assert {e.category for e in found.entries} == {"Jurnalistlər"}
    # provenance in HTML: the line of the page's source
    first = found.entries[0]
    assert first.line == 8 and first.fields["place_of_detention"].line == 10
    assert first.language == "az-Latn"
    assert any('"Mənbələr" skipped' in p for p in found.problems)


# -- text -------------------------------------------------------------------------------

TXT = """Узники совести — список на 1 октября 2026

№ 1 Сидоренко Ольга Викторовна, учительница. Задержана: 3 февраля 2022 года.
Статья 207.3 УК РФ. Место содержания: СИЗО-6.
№ 2 王玉文（王藏）, poet. Detained on July 23rd, 2014. Place of detention: Kunming.
№ 3 Gülnarə Hüseynova (aka Gulnara Huseynova; Gulya), activist. Date of detention: 2020-06.

1. https://example.org/case/1
2. https://example.org/case/2
"""


def test_txt_utf16_with_bom(tmp_path):
    path = tmp_path / "list.txt"
    path.write_bytes(TXT.encode("utf-16"))  # with its byte-order mark
    found = extract(path)
    fields = by_number(found)
    assert len(found.entries) == 3  # the links after the list are not people
    assert sorted(fields) == [1, 2, 3]
    assert fields[1]["name"] == "Сидоренко Ольга Викторовна"
    assert fields[1]["date_of_arrest"] == "3 февраля 2022"
    assert fields[1]["articles"] == "207.3"
    assert fields[1]["place_of_detention"] == "СИЗО-6"
    assert fields[2]["name"] == "王玉文"
    assert [a.text for a in found.entries[1].aliases] == ["王藏"]
    assert fields[2]["date_of_arrest"] == "July 23rd, 2014"
    assert fields[3]["name"] == "Gülnarə Hüseynova"
    assert [a.text for a in found.entries[2].aliases] == ["Gulnara Huseynova", "Gulya"]
    assert fields[3]["date_of_arrest"] == "2020-06"
    assert [(e.line, e.fields["articles"].line) for e in found.entries[:1]] == [(3, 4)]
    assert any("2 lines holding only a link" in p for p in found.problems)


def test_txt_utf8_bom_numbering_styles_and_glued_footnote(tmp_path):
    text = (
        "\ufeffPolitical prisoners\n"
        "1) Karimov Elvin, ar\u00adrested: 01.02.20203. Held in: Prison No. 2.\n"
        "2) Nərgiz Əliyeva, Date of arrest: 2021-05-04\n"
        "  Sentenced to 5 years.\n"
        "  1. first appeal rejected\n"  # a sub-list in another style: not an entry
        "5) Orxan Qasımov, Həbs olunub: 2022-07-08.\n"
    )
    path = tmp_path / "list.txt"
    path.write_bytes(text.encode("utf-8"))
    found = extract(path)
    fields = by_number(found)
    assert sorted(fields) == [1, 2, 5]
    assert fields[1]["date_of_arrest"] == "01.02.2020"  # the footnote 3 run on is dropped
    assert any("footnote" in c for c in found.entries[0].checks)
    assert fields[2]["sentence"] == "5 years"
    assert "first appeal rejected" in fields[2]["background"]
    assert fields[5]["name"] == "Orxan Qasımov"
    assert fields[5]["date_of_arrest"] == "2022-07-08"
    assert any("entry 5 follows 2" in p for p in found.problems)
    dashed = tmp_path / "dashed.txt"
    dashed.write_text("12 - Orxan Qasımov\n13 - Elvin Karimov, 2001 year\n", encoding="utf-8")
    assert [(e.number, e.name) for e in extract(dashed).entries] == [
        (12, "Orxan Qasımov"),
        (13, "Elvin Karimov"),
    ]


# -- errors -----------------------------------------------------------------------------


def test_errors(tmp_path):
    prose = tmp_path / "prose.txt"
    prose.write_text("A report on the situation.\nNo list here, only prose.\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"prose\.txt: no numbered entries found"):
        extract(prose)
    only_lawyers = tmp_path / "lawyers.txt"
    only_lawyers.write_text(
        "Lawyers\n1. Elchin Sadigov\n2. Fakhraddin Mehdiyev\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"lawyers\.txt: no prisoner entries"):
        extract(only_lawyers)
    rtf = tmp_path / "list.rtf"
    rtf.write_text("{\\rtf1 1. Name}", encoding="utf-8")
    with pytest.raises(InputError, match=r"list\.rtf: cannot extract .*expected \.pdf, \.docx"):
        extract(rtf)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("1. Jos\xe9 P\xe9rez\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1\.txt: line 1: not UTF-8"):
        extract(latin1)
    with pytest.raises(InputError, match="no such file"):
        extract(tmp_path / "missing.pdf")
    good = tmp_path / "good.txt"
    good.write_text("1. Elvin Karimov. Arrested: 2020-01-02.\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"sheet\.pdf: a review sheet is \.csv or \.xlsx"):
        write_review(extract(good), tmp_path / "sheet.pdf")
    assert not (tmp_path / "sheet.pdf").exists()


# -- the review sheet and the importer ------------------------------------------------

ROUND_TRIP = """Political prisoners

Journalists
1. Elvin Karimov (also known as Elvin Kərimli), blogger. Arrested: 2020-01-02.
Articles: 283.1, 220.1. Held in: Prison No. 2.
2. Səbinə Dağlıqova, Date of arrest: 15.03.2021. Sentence: 6 years.

Religious prisoners
3. Иванов Иван Иванович, 1980 г.р. Задержан 2019-07-04.

Lawyers
1. Elchin Sadigov
"""


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_review_sheet_columns(tmp_path):
    source = tmp_path / "list.txt"
    source.write_text(ROUND_TRIP, encoding="utf-8")
    sheet = write_review(extract(source), default_review_path(source))
    assert sheet == tmp_path / "list.review.csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.review.csv", "list.txt"]
    assert sheet.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the BOM as UTF-8
    rows = read_csv(sheet)
    assert list(rows[0]) == list(REVIEW_COLUMNS)
    assert [r["name"] for r in rows] == [
        "Elvin Karimov",
        "Səbinə Dağlıqova",
        "Иванов Иван Иванович",
    ]
    first = rows[0]
    assert (first["entry"], first["category"], first["alias_1"]) == (
        "1",
        "Journalists",
        "Elvin Kərimli",
    )
    assert (first["status"], first["date_of_arrest"], first["articles"]) == (
        "arrested",
        "2020-01-02",
        "283.1; 220.1",
    )
    assert (first["line"], first["page"], first["source_file"]) == ("4", "", "list.txt")
    assert "date_of_arrest 1.0" in first["field_confidence"]
    assert "occupation 0.6" in first["field_confidence"]
    assert first["confidence"] == "0.6"
    assert rows[2]["status"] == "detained" and rows[2]["category"] == "Religious prisoners"


def test_round_trip_into_the_registry(registry, tmp_path):
    from vigil.cases import models as m
    from vigil.cases.importers import import_file

    source = tmp_path / "list.txt"
    source.write_text(ROUND_TRIP, encoding="utf-8")
    sheet = write_review(extract(source), tmp_path / "review.csv")
    report = import_file(sheet, MAPPING)
    assert report.ok, report.problems
    names = set(m.PersonName.objects.values_list("name", "kind"))
    assert names == {
        ("Elvin Karimov", "primary"),
        ("Elvin Kərimli", "alias"),
        ("Səbinə Dağlıqova", "primary"),
        ("Иванов Иван Иванович", "primary"),
    }
    assert not m.PersonName.objects.filter(name="Elchin Sadigov").exists()
    events = {
        (e.person.names.get(kind="primary").name, e.kind, str(e.date), e.facility)
        for e in m.StatusEvent.objects.all()
    }
    assert events == {
        ("Elvin Karimov", "arrested", "2020-01-02", "Prison No. 2"),
        ("Səbinə Dağlıqova", "arrested", "2021-03-15", ""),
        ("Иванов Иван Иванович", "detained", "2019-07-04", ""),
    }
    elvin = m.PersonName.objects.get(name="Elvin Karimov").person
    assert elvin.occupation == "blogger"
    case = m.Case.objects.get(participants__person=elvin)
    assert sorted(str(a) for a in case.articles.all()) == [
        "Criminal Code 220.1",
        "Criminal Code 283.1",
    ]
    ivanov = m.PersonName.objects.get(name="Иванов Иван Иванович").person
    assert str(ivanov.birth_date) == "1980"
    sabina = m.PersonName.objects.get(name="Səbinə Dağlıqova").person
    assert m.Sentence.objects.get(person=sabina).term == "6 years"
    # the sheet imports again without a change (people found by name and birth date)
    again = import_file(sheet, MAPPING)
    assert again.ok and {o.action for o in again.outcomes} == {"unchanged"}


def test_round_trip_through_xlsx(registry, tmp_path):
    from vigil.cases import models as m
    from vigil.cases.importers import import_file

    source = tmp_path / "list.txt"
    source.write_text(ROUND_TRIP, encoding="utf-8")
    sheet = write_review(extract(source), tmp_path / "review.xlsx")
    report = import_file(sheet, MAPPING)
    assert report.ok, report.problems
    assert m.Person.objects.count() == 3
    assert m.StatusEvent.objects.filter(kind="arrested").count() == 2


NARRATIVE = """LIST OF POLITICAL PRISONERS

I. JOURNALISTS
1. Tofig Yagublu Mahmud oglu – Deputy Chairman of the Musavat Party. Arrested on
13 November 2023. Charged under Articles 206.3.2 and 193-1.3.2 of the Criminal Code.
2. Hafiz Babali (Hafiz Babalı), editor of Turan news agency, was arrested on 13 December 2023.
3. Ulvi Hasanli, director of Abzas Media. Detained: 20.11.2023²¹. Held at: Baku Detention Center.

II. RELIGIOUS PRISONERS
4. Bağırzadə Taleh Xanəli oğlu, ilahiyyatçı. 05.03.2015-ci ildə həbs olunub.
"""


def test_txt_narrative_entries(tmp_path):
    path = tmp_path / "narrative.txt"
    path.write_text(NARRATIVE, encoding="utf-8")
    found = extract(path)
    fields = by_number(found)
    assert [e.category for e in found.entries] == ["JOURNALISTS"] * 3 + ["RELIGIOUS PRISONERS"]
    assert fields[1]["name"] == "Tofig Yagublu Mahmud oglu"
    assert fields[1]["date_of_arrest"] == "13 November 2023"  # the label ends a line
    assert fields[1]["articles"] == "206.3.2; 193-1.3.2"
    assert fields[2]["date_of_arrest"] == "13 December 2023"
    assert fields[2]["occupation"] == "editor of Turan news agency"
    assert fields[3]["date_of_arrest"] == "20.11.2023"  # superscript footnote marks dropped
    assert fields[3]["place_of_detention"] == "Baku Detention Center"
    assert found.entries[2].status == "detained"
    assert fields[4]["name"] == "Bağırzadə Taleh Xanəli oğlu"
    assert fields[4]["date_of_arrest"] == "05.03.2015"  # the date before the verb
    assert found.entries[3].fields["date_of_arrest"].confidence == 0.8
    assert found.entries[3].parts == {
        "surname": "Bağırzadə",
        "given_name": "Taleh",
        "patronymic": "Xanəli oğlu",
    }


def test_lawyers_and_sources_are_not_people(tmp_path):
    text = (
        "Imprisoned lawyers\n"
        "1. Alasgar Mammadli, Arrested: 2023-12-06.\n"
        "2. Zeynal Xəlilov, unnamed lawyer of entry 1.\n"
        "3. Nurlan Ibrahimov. Held in: Prison No. 1.\n"
        "1. Elchin Sadigov, lawyer of entries 1 and 3.\n"  # a list of lawyers, no heading
        "2. Fakhraddin Mehdiyev, адвокат.\n"
        "\n"
        "Lawyers\n"
        "4. Shahla Humbatova. Detained on 2024-01-02. Sentence: 2 years.\n"  # held: kept
        "5. Agil Layij, Arrested: 2024-02-03.\n"
        "\n"
        "Mənbələr\n"
        "1. Turan news agency, 6 December 2023.\n"
        "2. Meydan TV, 2 January 2024.\n"
    )
    path = tmp_path / "lawyers.txt"
    path.write_text(text, encoding="utf-8")
    found = extract(path)
    assert [(e.number, e.name) for e in found.entries] == [
        (1, "Alasgar Mammadli"),
        (2, "Zeynal Xəlilov"),
        (3, "Nurlan Ibrahimov"),
        (4, "Shahla Humbatova"),
        (5, "Agil Layij"),
    ]
    assert [e.category for e in found.entries] == ["Imprisoned lawyers"] * 3 + ["Lawyers"] * 2
    assert any("a list of lawyers" in p for p in found.problems)
    assert any('under "Lawyers" kept' in p for p in found.problems)
    assert any('under "Mənbələr" skipped' in p for p in found.problems)
