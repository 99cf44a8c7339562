"""Feed-body cleanup: tables of lines that must go and must stay (patterns of real feeds)."""
import pytest

from pipeline.ingest.bodyclean import (clean_body, repair_split_tokens, strip_repeated_headline,
                                       strip_wire_markup)

GOES = [
    pytest.param("Subscribe or log in to read the rest of this content.", id="paywall-subscribe"),
    pytest.param("Sign in to continue reading", id="paywall-sign-in"),
    pytest.param("To continue reading, become a subscriber today.", id="paywall-continue"),
    pytest.param("This article is for subscribers only.", id="paywall-subscribers-only"),
    pytest.param("Already a subscriber? Log in", id="paywall-already"),
    pytest.param("By Stanley Widianto and Ed Davies", id="byline-line"),
]

STAYS = [
    pytest.param("Readers who subscribe to the service pay 10 dollars a month, the company said, "
                 "and about 2 million had signed up by June.", id="story-about-subscriptions"),
    pytest.param("By Tuesday the river had risen two metres above its usual level.", id="by-as-a-word"),
]


@pytest.mark.parametrize("line", GOES)
def test_lines_that_go(line):
    text = f"{line}\nThe central bank held its rate at 4.5% on Thursday."
    assert clean_body(text) == "The central bank held its rate at 4.5% on Thursday."


@pytest.mark.parametrize("line", STAYS)
def test_lines_that_stay(line):
    assert clean_body(line) == line


def test_wire_markup_keeps_its_words():
    text = 'Earlier this month, Poland [USN:L8N44A1A6 TEXT:"arrested"] a man. See [nL1N44A0M3]'
    assert strip_wire_markup(text).startswith("Earlier this month, Poland arrested a man.")
    assert strip_wire_markup("[USN:L1N44A0M3] Oil rose.").strip() == "Oil rose."


def test_a_byline_before_the_dateline_goes():
    text = "By Jane Doe JAKARTA (Reuters) - Indonesia's central bank held rates."
    assert clean_body(text) == "JAKARTA (Reuters) - Indonesia's central bank held rates."


@pytest.mark.parametrize("split, joined", [
    ("growth of 4. 6 percent", "growth of 4.6 percent"),
    ("at 2: 09 a. m. local time", "at 2:09 a.m. local time"),
    ("the COVID - 19 rules; COVID-19 cases", "the COVID-19 rules; COVID-19 cases"),
    ("a 90 - day delay", "a 90 - day delay"),           # never seen joined: left alone
    ("chapter 4. 6 people came", "chapter 4. 6 people came"),  # no unit: not a decimal
    # The cheap pre-checks must not hide a repair: upper case, non-ASCII text, a spaced and a
    # joined hyphen in one word pair, every hyphen spaced.
    ("AT 11: 30 P. M. THE", "AT 11:30 P.m. THE"),
    ("le COVID - 19 à Paris; COVID-19 déjà", "le COVID-19 à Paris; COVID-19 déjà"),
    ("Mid - Term - and mid-term", "Mid-Term - and mid-term"),
    ("a - b - c", "a - b - c"),
])
def test_split_tokens_repaired_conservatively(split, joined):
    assert repair_split_tokens(split) == joined


def test_headline_repeated_with_a_site_name_leaves_no_text():
    title = "Sterling hits six-month high against fading dollar"
    assert strip_repeated_headline(title, f"{title} Reuters") == ""
    body = f"{title}. The pound rose 0.4% on Thursday as the dollar slipped."
    assert strip_repeated_headline(title, body) == "The pound rose 0.4% on Thursday as the dollar slipped."
