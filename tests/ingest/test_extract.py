"""Article extraction from HTML pages: the story stays, the page furniture goes; charsets."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from pipeline.ingest.extract import ExtractedPage, decode_html, extract_html

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "boilerplate" / "article.html"

STORY_OPENINGS = [
    "The town of Millbrook opened a two-kilometre flood wall on Thursday",
    "The wall, built from reinforced concrete and steel gates",
    "Mayor Helen Ashdown said residents could finally stop moving",
    "Engineers spent three years testing the design",
    "The project cost 48 million euros",
    "Not everyone is convinced.",
    "The board said it would release the data next month",
]
FURNITURE = [
    "Subscribe today", "Home", "Sport", "riverfan88", "About time!", "Who is going to pay",
    "Leave a Reply", "Your email address", "Most read", "Bakery wins", "Sign up for our newsletter",
    "All rights reserved", "tracking code", "font-family",
]


@pytest.fixture(scope="module")
def page() -> ExtractedPage:
    return extract_html(FIXTURE.read_bytes(), url="https://courier.example/news/river-town-flood-wall")


def test_article_paragraphs_are_kept_in_order(page: ExtractedPage) -> None:
    paras = page.text.split("\n\n")
    assert [p[: len(o)] for p, o in zip(paras, STORY_OPENINGS)] == STORY_OPENINGS
    assert len(paras) == len(STORY_OPENINGS)


@pytest.mark.parametrize("snippet", FURNITURE)
def test_nav_footer_comments_and_code_are_dropped(page: ExtractedPage, snippet: str) -> None:
    assert snippet not in page.text


def test_metadata(page: ExtractedPage) -> None:
    assert page.title == "River town opens flood wall after decade of planning"
    assert page.author == "Maria Lindqvist"
    assert page.published is not None and page.published.startswith("2024-03-14")
    assert page.image == "https://courier.example/img/floodwall.jpg"
    assert page.language == "en"
    assert page.url == "https://courier.example/news/river-town-flood-wall"


def test_headline_is_not_repeated_in_the_text(page: ExtractedPage) -> None:
    assert not page.text.startswith("River town opens flood wall")


def test_str_input_gives_the_same_page(page: ExtractedPage) -> None:
    again = extract_html(FIXTURE.read_text(encoding="utf-8"),
                         url="https://courier.example/news/river-town-flood-wall")
    assert again == page


ACCENTED = ("Le café de la gare a rouvert ses portes après trois mois de travaux, et les habitués "
            "du quartier étaient nombreux dès l'ouverture à sept heures du matin.")


def page_in(charset_tag: str, body_paragraph: str) -> str:
    paras = "".join(
        f"<p>{body_paragraph} Paragraphe numéro {n}, écrit pour ce test, avec assez de texte "
        f"pour ressembler à un véritable article de presse régionale.</p>"
        for n in range(1, 7)
    )
    return (f"<html lang='fr'><head>{charset_tag}<title>Le café rouvre</title></head><body>"
            f"<nav><a href='/'>Accueil</a></nav><article><h1>Le café rouvre</h1>{paras}</article>"
            f"<footer>Mentions légales</footer></body></html>")


@pytest.mark.parametrize(
    "charset_tag,encoding",
    [
        ('<meta charset="windows-1252">', "cp1252"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-15">', "iso8859_15"),
        ("<meta charset='latin1'>", "cp1252"),
    ],
    ids=["meta-charset-cp1252", "http-equiv-latin9", "latin1-read-as-cp1252"],
)
def test_declared_charset_is_honoured(charset_tag: str, encoding: str) -> None:
    raw = page_in(charset_tag, ACCENTED).encode(encoding)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")          # the bytes really are not UTF-8
    page = extract_html(raw)
    assert ACCENTED in page.text
    assert page.title == "Le café rouvre"
    assert page.language == "fr"


def test_bom_wins_over_a_wrong_declaration() -> None:
    raw = codecs.BOM_UTF16_LE + page_in('<meta charset="windows-1252">', ACCENTED).encode("utf-16-le")
    assert ACCENTED in extract_html(raw).text


def test_undeclared_bytes_fall_back_from_utf8_to_cp1252() -> None:
    assert decode_html("<p>naïve café</p>".encode("utf-8")) == "<p>naïve café</p>"
    assert decode_html("<p>naïve café – “quoted”</p>".encode("cp1252")) == "<p>naïve café – “quoted”</p>"


def test_unknown_declared_charset_falls_back() -> None:
    assert decode_html('<meta charset="x-no-such-charset"><p>café</p>'.encode("utf-8")).endswith("café</p>")


@pytest.mark.parametrize("raw", [b"", b"   ", b"<html></html>", b"<<<>>>", "<p>plain</p>"],
                         ids=["empty", "blank", "empty-page", "junk", "tiny"])
def test_degenerate_pages_do_not_raise(raw: bytes | str) -> None:
    page = extract_html(raw)
    assert isinstance(page.text, str)
