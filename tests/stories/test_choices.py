"""Tables of named cases for what the merge chooses: the sentence-quality filter, headline
cleanup and key facts (examples from the editorial read of issue 13, written here by hand)."""
from __future__ import annotations

import pytest

from pipeline.stories.facts import _is_named_fact, _worth_a_line, quantities
from pipeline.stories.headline import shorten, strip_site
from pipeline.stories.quality import blemishes, source_quality, unusable
from pipeline.stories.quotable import unglued as _unglued
from pipeline.stories.summary import _contradicts, _state

UNUSABLE = {
    "paywall with a byline": ("By Jane Roe Two ministers will meet on Friday, wit Subscribe or log in to "
                              "read the rest of this content.", "paywall"),
    "byline glued to the lead": ("By Jane Roe Two ministers will meet on Friday to discuss the border.", "byline"),
    "wire markup": ('The agency said exports rose [USN:L1N00X0X0 TEXT:"data"] in July.', "markup"),
    "caption": ("Photo: the flooded square in the old town on Monday morning.", "caption"),
    "wire photo credit": ("Trump waves to supporters outside the White House. REUTERS/Annabelle Gordon", "caption"),
    "an agency's poll is news": ("A majority of Americans believe the president profited, a new Reuters/Ipsos "
                                 "poll found.", None),
    "text spliced into a word": ("Firefighters baAlaska Republican governor Sarah Palin whose church was burned "
                                 "arsonttled for about eight hours.", "garbled"),
    "a brand with one lower-case letter first": ("Apple sold more iPhone models and eBay listings rose.", None),
    "plain news": ("Four men rammed their car into a jewellery store in central Paris on Monday.", None),
}


@pytest.mark.parametrize("case", UNUSABLE)
def test_unusable_sentences(case):
    sentence, reason = UNUSABLE[case]
    assert unusable(sentence) == reason


BLEMISHED = {
    "split decimal": ("The loot was worth $2. 6 million, police said.", True),
    "split clock time": ("The quake struck at 2: 09 a. m. local time.", True),
    "spaced double dash": ("The talks - - long stalled - - resumed.", True),
    "space before a period": ("They are expected to overcome more autoimmune diseases .", True),
    "doubled parenthetical": ('A paper in "Nature Medicine" (Nature Medicine) reported it.', True),
    "lower-case start": ("cell therapy helps severe patients stop taking medication.", True),
    "clean": ("A 5.6 magnitude earthquake hit the island at 2:09 a.m. on Sunday.", False),
    "brand with a lower-case first letter": ("iPhone sales rose 5% in the quarter, the company said.", False),
}


@pytest.mark.parametrize("case", BLEMISHED)
def test_blemishes(case):
    sentence, blemished = BLEMISHED[case]
    assert bool(blemishes(sentence)) == blemished


def test_spun_source_scores_below_clean_copy():
    spun = ["After an experimental therapy to cease the physique from attacking itself, five people recovered.",
            "That therapy, known as CAR-T cell remedy, appears to have reset the sufferers’ immune methods.",
            "It’s not but clear how lengthy the reduction will final."]
    clean = ["After an experimental therapy, five people no longer have any signs of lupus.",
             "The therapy appears to have reset the patients' immune systems."]
    assert source_quality(spun) < 0.5 < source_quality(clean) == 1.0


STATES = {
    "pre-trial sentence under a conviction": ("Man convicted of killing two in Leeds",
                                              "He is charged with two counts of murder and denies the charges.", True),
    "stale favourite under the announcement": ("Bank names Jane Roe as its next governor",
                                               "Roe is the favourite to take over from the governor in June.", True),
    "verdict sentence under a conviction": ("Man convicted of killing two in Leeds",
                                            "A jury found him guilty on Friday after a two-week trial.", False),
    "no state in the headline": ("Storm hits the coast", "He is charged with two counts of fraud.", False),
}


@pytest.mark.parametrize("case", STATES)
def test_no_sentence_contradicts_the_headline_state(case):
    headline, sentence, contradicts = STATES[case]
    assert _contradicts(sentence, _state(headline)) == contradicts


def test_a_headline_glued_to_the_text_is_taken_off():
    title = "Two million euro jewellery heist in central Paris"
    assert _unglued(title + " Four men rammed their car into a store on Monday, police said.", title) \
        == "Four men rammed their car into a store on Monday, police said."
    assert _unglued("Four men rammed their car into a store.", title) == "Four men rammed their car into a store."


SITES = {
    "wire suffix": ("Oil hits three-week high on supply concerns - Reuters", set(), "Oil hits three-week high on supply concerns"),
    "the story's outlet": ("Council approves the budget | Harbour Times", {"harbourtimes"}, "Council approves the budget"),
    "domain": ("Council approves the budget - harbourtimes.example.com", set(), "Council approves the budget"),
    "outlet with a section": ("Markets slide - Bloomberg Línea", set(), "Markets slide"),
    "a dash that is part of the headline": ("Fed holds rates - for now", set(), "Fed holds rates - for now"),
}


@pytest.mark.parametrize("case", SITES)
def test_site_suffixes_come_off(case):
    title, outlets, want = SITES[case]
    assert strip_site(title, outlets) == want


def test_long_headline_is_cut_at_a_clause_boundary_only():
    long = ("Asian bonds follow Treasuries lower as oil gains; investors weigh the central bank's next "
            "move after a week of mixed data from the region")
    assert shorten(long) == "Asian bonds follow Treasuries lower as oil gains"
    no_clause = " ".join(["word"] * 20)
    assert shorten(no_clause) == no_clause            # no boundary: whole rather than mid-clause


NAMES = {
    "an outlet": ("Reuters", False),
    "the story's outlet": ("Harbour Times", False),
    "ends with an outlet": ("Medio Oriente - Bloomberg Línea", False),
    "month glued to a name": ("July Eric Trump", False),
    "fragment": ("Co", False),
    "number word": ("Eleven", False),
    "a place": ("Gulf of Aden", True),
    "an organisation": ("Central Mat-Su Fire Department", True),
}


@pytest.mark.parametrize("case", NAMES)
def test_named_facts(case):
    shown, worth = NAMES[case]
    assert _is_named_fact(shown, {"reuters", "bloomberg", "harbourtimes", "harbour", "times"}) == worth


COUNTS = {"occasions": ("He was stopped 3 times last year.", False),
          "a sub-count of one": ("The patients, 4 women and 1 male, were aged 18 to 24.", None),
          "a count": ("Police arrested 26 pirates on three boats.", True)}


@pytest.mark.parametrize("case", COUNTS)
def test_counts_worth_a_line(case):
    sentence, worth = COUNTS[case]
    qs = quantities(sentence)
    if case == "a sub-count of one":
        assert {q.value for q in qs if _worth_a_line(q)} == {"4", "18-24"}
    else:
        assert any(_worth_a_line(q) for q in qs) == worth


# --- whole stories: the summary tells one event, from the cleanest copies --------------------
from datetime import datetime, timedelta, timezone  # noqa: E402

from pipeline.model import Article  # noqa: E402
from pipeline.stories.merge import build_story  # noqa: E402

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)


def art(i: int, outlet: str, title: str, text: str) -> Article:
    return Article(id=f"a{i}", title=title, text=text, origin=f"a{i}", source=outlet,
                   url=f"https://{outlet.lower().replace(' ', '')}.example/{i}", published=T0 + timedelta(hours=i))


QUAKE_QESHM = [
    art(0, "Harbour Times", "Quake injures five on Iran's Qeshm island",
        "A magnitude 5.6 earthquake struck the Iranian island of Qeshm on Sunday, injuring five people and "
        "damaging buildings in three villages, state media said."),
    art(1, "Bay News", "Earthquake hits Qeshm island in the Gulf",
        "A magnitude 5.6 earthquake hit Qeshm island in southern Iran on Sunday, injuring five people and "
        "damaging homes in several villages, officials said."),
    art(2, "Coast Gazette", "Qeshm quake damages villages",
        "The earthquake on Qeshm island damaged homes in several villages on Sunday and injured five people, "
        "the provincial governor of Hormozgan said in a statement."),
]
QUAKE_OTHER = art(3, "Metro Wire", "Deadly quake levels villages in Iran's east",
                  "A magnitude 6.1 earthquake in Iran's eastern Khorasan province on Monday levelled seven villages "
                  "and killed ten people, the Red Crescent in Mashhad reported.")


def test_a_mixed_group_summary_keeps_to_the_leads_event():
    story = build_story(QUAKE_QESHM + [QUAKE_OTHER], [])
    assert "a3" not in {aid for _, aid in story.summary}
    assert "Khorasan" not in story.summary_text and "Qeshm" in story.summary_text


def test_of_two_copies_of_one_sentence_the_clean_one_is_quoted():
    clean = ("Four men rammed their car into a jewellery store in central Paris on Monday and made off with "
             "jewels worth 2.6 million dollars, a police source said.")
    spaced = clean.replace("2.6", "2. 6").replace("Monday and", "Monday , and")
    story = build_story([art(0, "Harbour Times", "Ram-raiders hit Paris jewellery store", spaced),
                         art(1, "Bay News", "Paris jewellery store hit by ram-raiders", clean)], [])
    # The copy with the artefacts is repaired as it is read, or the clean one is quoted: no
    # "2. 6" or " ," reaches the reader either way.
    quoted = story.summary[0][0]
    assert quoted.replace("Monday, and", "Monday and") == clean and "2. 6" not in quoted and " ," not in quoted


def test_the_headline_links_to_its_own_article():
    from pipeline.render.posts import best_link

    story = build_story(QUAKE_QESHM, [])
    own = next(s for s in story.sources if s.title == story.headline)
    assert best_link(story) == own.url


def test_a_hedge_every_outlet_uses_stays_with_the_fact():
    story = build_story([art(0, "Harbour Times", "Quake near Qeshm", "The quake struck less than 30 miles from Qeshm on Sunday, officials said."),
                         art(1, "Bay News", "Qeshm quake", "The epicentre was less than 30 miles from Qeshm, the survey said on Sunday.")], [])
    assert "less than 30 miles" in story.key_facts and "30 miles" not in story.key_facts
    assert story.disputed == ()
