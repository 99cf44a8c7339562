"""Boilerplate removal, article-file parsing and feed HTML to text.

The seeds are real copy-pasted pages; the tables are generic lines written for these tests.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.ingest.boilerplate import html_to_text, remove_boilerplate
from pipeline.ingest.textfile import derive_headline, parse_text_article

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


# --- the seeds ---------------------------------------------------------------------------------

SEED_CASES = {
    # seed: (title or None when derived, first words of the text, lines that must be gone)
    "000": (None, "Using a cancer treatment method, a small study has seen sufferers of Lupus",
            ["Lupus effects on the skin – credit Nephron, CC BY-SA 3.0",
             "MORE GENETIC TREATMENTS: Scientists Rewind the Age of Skin Cells by 30 Years",
             "MORE LUPUS STORIES: Scientists Discover Genetic Cause of Lupus",
             "SHARE This Amazing Advance", "Leave a Reply"]),
    "001": ("Study Suggests CAR T-Cell Cancer Therapy Could Be A Game Changer For Lupus Patients",
            "Lupus is a condition that can cause inflammation and tissue damage throughout the body.",
            []),
    "002": ("Genetically modified immune cells put 5 individuals’s lupus in remission",
            "After receiving an experimental therapy to cease the physique from attacking itself",
            ["Headlines and summaries of the newest Science News articles, delivered to your inbox",
             "Thank you for signing up!", "There was an issue signing you up.",
             "Exit mobile version"]),
    "003": ("Scientists use modified cancer therapy to send lupus into remission in five individuals",
            "The study has raised the hope for using immunotherapies",
            ["Jump to Topics", "Representational image | Shutterstock",
             "Share Your Experience/Comments", "Leave a Reply",
             "Your email address will not be published.", "CPR or cardiopulmonary resuscitation",
             "A new lifestyle adaptation", "Chocolates have been credited",
             "Opt-in To Our Daily Newsletter", "Please check your Spam folder",
             "We use cookies", "Your feedback has been submitted",
             "The Happiest Health team will reach out"]),
    "004": (None, "When it comes to CAR-T cell therapy, everyone’s first impression must be",
            ["Source:", "Scientists hail autoimmune disease therapy breakthrough", "END"]),
}


@pytest.mark.parametrize("key", sorted(SEED_CASES))
def test_seed_title_and_first_sentence(key: str) -> None:
    title, first, _ = SEED_CASES[key]
    parsed = parse_text_article(seed(key))
    if title is None:
        assert parsed.title_derived
    else:
        assert parsed.title == title
        assert not parsed.title_derived
    assert parsed.text.startswith(first)


@pytest.mark.parametrize("key", sorted(SEED_CASES))
def test_seed_boilerplate_is_gone(key: str) -> None:
    _, _, gone = SEED_CASES[key]
    parsed = parse_text_article(seed(key))
    for para in paragraphs(parsed.text):
        for line in gone:
            assert not para.startswith(line), f"boilerplate kept: {para[:80]!r}"
    assert parsed.title not in paragraphs(parsed.text)  # a repeated title line appears once


def test_seed_003_keeps_the_story_between_dek_and_end() -> None:
    paras = paragraphs(parse_text_article(seed("003")).text)
    assert paras[1].startswith("In a first of its kind study, scientists in Germany")
    assert paras[-1].startswith("The therapy essentially gave the immune system")


def test_seed_001_keeps_its_subhead() -> None:
    assert "What is Lupus?" in paragraphs(parse_text_article(seed("001")).text)


def test_seed_004_keeps_its_last_paragraph() -> None:
    assert paragraphs(parse_text_article(seed("004")).text)[-1].startswith("results showed that there")


@pytest.mark.parametrize("key", ["000", "004"])
def test_derived_headline_is_short_faithful_and_whole_words(key: str) -> None:
    parsed = parse_text_article(seed(key))
    opening = " ".join(parsed.text.split("\n\n")[:4])
    assert parsed.title_derived and 20 <= len(parsed.title) <= 100
    assert not re.search(r"[\s,;:.–-]$", parsed.title)
    story_words = set(re.findall(r"\w+", opening.lower()))
    assert set(re.findall(r"\w+", parsed.title.lower())) <= story_words   # faithful, no word cut
    assert re.search(r"(?i)lupus|car-?t", parsed.title)                   # about the story


def test_derived_headline_skips_a_chatty_opener() -> None:
    text = ("When it comes to this therapy, everyone's first impression must be that it has made "
            "outstanding progress in tumor treatment.\n\n"
            "Doctors in Erlangen reported that CAR-T cell therapy put five lupus patients into remission.\n\n"
            "The lupus patients stopped their medication after the CAR-T cell therapy.\n\n"
            "CAR-T cell therapy could help other lupus patients, the doctors said.")
    assert derive_headline(text) == "CAR-T cell therapy put five lupus patients into remission"


def test_derived_headline_takes_the_main_clause() -> None:
    lead = ("Using a cancer treatment method, a small study has seen sufferers of Lupus go into "
            "remission such that they were able to halt their regular medication within months.")
    assert derive_headline(lead) == "A small study has seen sufferers of Lupus go into remission"
    assert derive_headline("Fire destroys old mill. Crews fought it all night.") == "Fire destroys old mill"


# --- article file headers ----------------------------------------------------------------------

def test_header_block_gives_fields() -> None:
    raw = ("Title: Harbour bridge reopens after repairs\nURL: https://news.example/bridge\n"
           "date: 2024-05-02\nSOURCE: Harbour Herald\n\n" + STORY)
    parsed = parse_text_article(raw)
    assert parsed.title == "Harbour bridge reopens after repairs"
    assert parsed.url == "https://news.example/bridge"
    assert parsed.date == "2024-05-02"
    assert parsed.source == "Harbour Herald"
    assert not parsed.title_derived
    assert parsed.text.startswith("The harbour bridge reopened to traffic")


def test_markdown_heading_is_the_title() -> None:
    parsed = parse_text_article("# Harbour bridge reopens after repairs\n\n" + STORY)
    assert parsed.title == "Harbour bridge reopens after repairs"
    assert parsed.url is None and parsed.date is None


def test_header_like_line_inside_text_is_not_a_header() -> None:
    parsed = parse_text_article("Harbour bridge reopens\nSource: the port authority said so.\n\n" + STORY)
    assert parsed.title == "Harbour bridge reopens"
    assert parsed.source is None


# --- generic lines that must go and must stay ---------------------------------------------------

STORY_PARAS = [
    "The harbour bridge reopened to traffic on Monday morning after eight months of repairs, "
    "the city's transport department said in a statement.",
    "Engineers replaced more than two hundred corroded steel cables and resurfaced the main deck, "
    "work that had been delayed twice by winter storms and a shortage of materials.",
    "Commuters had faced detours of up to forty minutes while the bridge was closed, and local "
    "shops near the southern ramp said their sales fell by almost a third.",
    "The transport department said the final cost was 12 million dollars higher than planned, "
    "mostly because of the price of steel, and that an audit would be published in the summer.",
    "Officials expect about 60,000 vehicles a day to cross the bridge once traffic returns to "
    "normal, roughly the same number as before the closure began last year.",
    "A second phase of work, on the pedestrian walkway and the lighting, is due to start in "
    "the autumn and should not require the bridge to close again, the department said.",
]
STORY = "\n\n".join(STORY_PARAS)


def with_line(line: str, at: int = 3) -> str:
    return "\n\n".join(STORY_PARAS[:at] + [line] + STORY_PARAS[at:])


MUST_GO = {
    "advertisement": "Advertisement",
    "advertisement-caps": "ADVERTISEMENT",
    "comment-prompt": "Leave a Reply",
    "email-not-published": "Your email address will not be published. Required fields are marked *",
    "share": "Share this article",
    "share-on": "Share on Facebook",
    "newsletter": "Sign up for our morning newsletter to get the top stories in your inbox",
    "delivered-to-inbox": "The best of our reporting, delivered to your inbox every weekday",
    "thanks-signing": "Thanks for signing up!",
    "cookies": "We use cookies to give you the best experience on our website.",
    "cookie-notice-long": "This website uses cookies to improve your experience while you navigate "
                          "through the website. Out of these, the cookies that are categorized as "
                          "necessary are stored on your browser as they are essential for the working "
                          "of basic functionalities of the website.",
    "crosslink-caps": "READ MORE: Council approves new cycle lanes on the high street",
    "crosslink-topic": "MORE TRANSPORT STORIES: Ferry timetable changes for the summer season",
    "caption-credit": "The bridge at dusk – credit John Smith, CC BY-SA 4.0",
    "caption-agency": "Traffic crosses the bridge on Monday | Shutterstock",
    "caption-photo": "Photo: Getty Images",
    "caption-wire-credit": "Traffic crosses the harbour bridge on Monday. REUTERS/Edgar Su/File Photo",
    "caption-wire": "In this March 3, 2024, file photo, workers inspect cables on the harbour bridge. "
                    "(AP Photo/Jane Doe, File)",
    "byline": "By Jane Smith",
    "dateline": "Updated 3:45 PM EST, Mon November 18, 2019",
    "exit-mobile": "Exit mobile version",
    "copyright": "© 2024 Harbour Herald. All rights reserved.",
    "skip-nav": "Skip to main content",
    "commenter": "bridgewatcher says:",
    "source-trailer": "Source: Reuters",
}
MUST_STAY = {
    "plain-sentence": "The council voted 7-2 to approve the budget on Monday.",
    "short-sentence": "She was 85.",
    "question-subhead": "What happens next?",
    "photo-word-in-story": "Photographers gathered outside the courthouse as the verdict was read aloud.",
    "share-word-in-story": "The company said it would share more details with investors next week.",
    "sign-up-in-story": "Residents can sign up for the repair programme until March 1, officials said.",
    "cookie-in-story": "The cookie company reported record sales in the last quarter of the year.",
    "quote": "“We are relieved it is finally open,” said Ana Ruiz, who runs a cafe near the ramp.",
    "reply-in-story": "The minister did not reply to questions about the cost overrun.",
    "by-in-story": "By the end of the week, traffic had returned to normal on both approaches.",
    # "credit" followed by a word and a comma is a caption credit ("credit John Smith, CC BY")
    # only when the word is a name: creditors and credit lines are story text.
    "creditors-in-story": "Regulators are examining trades involving the contractor and its creditors, "
                          "citing people familiar with the matter.",
    # An agency's poll is no photo credit ("REUTERS/Jane Doe").
    "agency-poll-in-story": "Most residents believe the repairs took too long and cost too much, a new "
                            "Reuters/Ipsos poll found.",
    "credit-lines-in-story": "Two banks have frozen the contractor's accounts, while other lenders "
                             "have suspended credit lines, the newspaper reported.",
}


@pytest.mark.parametrize("line", list(MUST_GO.values()), ids=list(MUST_GO))
def test_boilerplate_line_goes(line: str) -> None:
    out = remove_boilerplate(with_line(line))
    assert line not in paragraphs(out)
    assert paragraphs(out) == STORY_PARAS


@pytest.mark.parametrize("line", list(MUST_STAY.values()), ids=list(MUST_STAY))
def test_story_line_stays(line: str) -> None:
    out = remove_boilerplate(with_line(line))
    assert paragraphs(out) == STORY_PARAS[:3] + [line] + STORY_PARAS[3:]


@pytest.mark.parametrize("line", list(MUST_GO.values()), ids=list(MUST_GO))
def test_boilerplate_line_goes_from_short_item(line: str) -> None:
    item = "\n\n".join(STORY_PARAS[:2] + [line])
    assert paragraphs(remove_boilerplate(item)) == STORY_PARAS[:2]


def test_short_feed_item_survives_whole() -> None:
    item = ("Fire crews were called to the old mill at 2am. Nobody was hurt. "
            "The cause is not yet known, police said.")
    assert remove_boilerplate(item) == item
    three = "Fire crews were called to the old mill.\nNobody was hurt.\nThe cause is not known."
    assert paragraphs(remove_boilerplate(three)) == three.split("\n")


def test_whitespace_is_normalized_within_lines() -> None:
    assert remove_boilerplate("  Nobody   was\thurt, police said.  ") == "Nobody was hurt, police said."


def test_empty_input() -> None:
    assert remove_boilerplate("") == ""
    assert remove_boilerplate("\n \n\t\n") == ""


def test_navigation_before_the_story_goes() -> None:
    nav = "\n".join(["Home", "News", "Sport", "Business", "Weather", "Subscribe", "Search"])
    out = remove_boilerplate(nav + "\n\nHarbour bridge reopens after repairs\n\n" + STORY)
    assert paragraphs(out) == STORY_PARAS


def test_title_line_and_what_precedes_it_go() -> None:
    text = "Menu\nTopics\nHarbour bridge reopens after repairs\n\n" + STORY
    out = remove_boilerplate(text, "Harbour bridge reopens after repairs")
    assert paragraphs(out) == STORY_PARAS


def test_comment_thread_after_the_story_goes() -> None:
    comments = [
        "3 Comments",
        "harbourfan says:",
        "March 4, 2024 at 9:12 am",
        "About time they fixed it, the detours were a nightmare for everyone who works in the city "
        "centre and has to cross the river every single day of the week.",
        "pete_r says:",
        "March 4, 2024 at 10:40 am",
        "Twelve million over budget is a scandal and somebody at the department should answer for "
        "it, this happens with every single project the city runs these days.",
    ] * 3
    out = remove_boilerplate(STORY + "\n\n" + "\n\n".join(comments))
    assert paragraphs(out) == STORY_PARAS


def test_unrelated_items_appended_after_the_comment_form_go() -> None:
    tail = [
        "Leave a Reply",
        "Your email address will not be published. Required fields are marked *",
        "Gardeners are being urged to plant more native flowers this spring to help struggling "
        "bee populations, which have declined sharply across the country over the last decade.",
        "A new recipe for lemon cake has become a surprise hit online, with thousands of home bakers "
        "sharing photos of their attempts on social media over the weekend.",
    ]
    out = remove_boilerplate(STORY + "\n\n" + "\n\n".join(tail))
    assert paragraphs(out) == STORY_PARAS


def test_stray_prompt_inside_the_story_does_not_cut_it() -> None:
    out = remove_boilerplate(with_line("Leave a Reply"))
    assert paragraphs(out) == STORY_PARAS


def test_sidebar_in_the_middle_of_the_story_is_bridged() -> None:
    sidebar = "Most read\n\nBakery wins bread award\n\nCycle lanes approved\n\nFerry timetable changes"
    out = remove_boilerplate(with_line(sidebar))
    assert paragraphs(out) == STORY_PARAS


# --- html_to_text -----------------------------------------------------------------------------

HTML_CASES = {
    "entities": ("<p>Fish &amp; chips &eacute;t&eacute; &#8217;s &lt;b&gt; caf&#xE9;</p>",
                 "Fish & chips été ’s <b> café"),
    "nbsp-collapses": ("<p>two&nbsp;&nbsp; spaces\tand\ttabs</p>", "two spaces and tabs"),
    "nested-blocks": ("<div><div><p>First.</p><div><p>Second.</p></div></div></div>", "First.\n\nSecond."),
    "inline-stays-inline": ("<p>A <b>bold</b> and <a href='x'>linked</a> word.</p>", "A bold and linked word."),
    "br-is-a-line-break": ("<p>Line one<br>Line two<br/>Line three</p>", "Line one\nLine two\nLine three"),
    "script-style-removed": ("<p>Keep</p><script>var x = '<p>no</p>';</script><style>p{}</style>"
                             "<noscript>Enable JS</noscript><iframe src=x>frame</iframe><p>This</p>",
                             "Keep\n\nThis"),
    "svg-form-removed": ("<p>Story.</p><svg><text>icon</text></svg><form><p>Email:</p><input></form>",
                         "Story."),
    "tail-after-removed": ("<p>One <script>x()</script>two</p>", "One two"),
    "broken-markup": ("<p>Unclosed <b>bold <i>text<p>Next para</div></span>", "Unclosed bold text\n\nNext para"),
    "no-markup": ("Plain text & more", "Plain text & more"),
    "list-items": ("<ul><li>One</li><li>Two</li></ul>", "One\n\nTwo"),
    "pretty-printed": ("<p>A sentence that was\n   wrapped by an editor.</p>", "A sentence that was wrapped by an editor."),
    "wire-newlines": ("<p>First paragraph ends here.\nSecond paragraph starts.</p>",
                      "First paragraph ends here.\n\nSecond paragraph starts."),
    "comment-dropped": ("<p>Seen<!-- hidden --> text</p>", "Seen text"),
    "empty": ("", ""),
    "only-tags": ("<div><span></span></div>", ""),
    # Spaces are collapsed in one pass, with shortcuts for plain ASCII text: each kind of run.
    "crlf-and-tabs": ("<p>One\t\ttwo \r\nthree</p>", "One two three"),
    "ideographic-space": ("<p>\u3000全角\u3000 スペース</p>", "全角 スペース"),
    "blank-line-of-spaces": ("One.\n \u00a0 \nTwo.", "One.\n\nTwo."),
    "line-separator-kept": ("a\u2028b", "a\u2028b"),
    "upper-case-and-namespaced-tags": ("<P>One.</P><X:DIV>Two.</X:DIV>", "One.\n\nTwo."),
}


@pytest.mark.parametrize("html,expected", list(HTML_CASES.values()), ids=list(HTML_CASES))
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_html_to_text_deeply_nested_is_bounded() -> None:
    deep = "<div>" * 20000 + "<p>Deep text.</p>" + "</div>" * 20000
    out = html_to_text(deep)
    assert isinstance(out, str)
    assert len(out) < 1000


@pytest.mark.parametrize("junk", ["<", "<<<>>>", "</p></div>", "<p", "&#xZZZ;", "<?xml?>", "\x00<p>x</p>"],
                         ids=["lt", "brackets", "only-closing", "open-tag", "bad-entity", "pi", "nul"])
def test_html_to_text_never_raises(junk: str) -> None:
    assert isinstance(html_to_text(junk), str)


def test_feed_item_with_boilerplate_lines_is_cleaned() -> None:
    html = ("<p>Advertisement</p><p>Fire crews were called to the old mill at 2am.</p>"
            "<p>Share this article</p><p>Nobody was hurt, police said.</p>"
            "<p>We use cookies to improve your experience.</p><p>The cause is not yet known.</p>")
    assert paragraphs(remove_boilerplate(html_to_text(html))) == [
        "Fire crews were called to the old mill at 2am.", "Nobody was hurt, police said.",
        "The cause is not yet known."]


# One line of each kind of end-of-story wall: the word pre-check (_WALL_WORDS) must let every
# one through to the regex, in any case.
WALLS = ["3 Comments", "COMMENTS (12)", "Join the discussion", "start the conversation",
         "Reader comments:", "Please leave a comment below", "Share your thoughts", "Share Your Views",
         "12 responses to “Harbour bridge reopens”", "4 thoughts on this", "END", "Ends", "Source:",
         "sources", "ſhare your thoughts"]


@pytest.mark.parametrize("line", WALLS)
def test_every_kind_of_wall_is_found(line: str) -> None:
    from pipeline.ingest.boilerplate import _line_features

    assert _line_features(line).wall


def test_cached_line_features_are_the_computed_ones() -> None:
    from pipeline.ingest.boilerplate import _cached_line, _parse_line

    for line in [*MUST_GO.values(), *MUST_STAY.values(), *WALLS, "• Bullet item", "•"]:
        assert _cached_line(line) == _parse_line(line) == _cached_line(line)
