"""The story's text from its best single source (issue 24), as tables of named cases written by
hand after the blind editorial read: spacing repairs, headline shape, figures and roles, the
representative article, the digest's language, and the summary's rule for another outlet's
sentence (new information only)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pipeline.ingest.normalize import detect_language
from pipeline.model import Article
from pipeline.stories.headline import shorten
from pipeline.stories.keyfacts import figures, role_of
from pipeline.stories.facts import quantities
from pipeline.stories.merge import build_story
from pipeline.stories.novelty import background, one_for_many
from pipeline.stories.quality import undated, unusable
from pipeline.stories.representative import aggregated, in_language, language_of
from pipeline.stories.tidy import one_quote_style, rebuilt, tidy, whole_clause

T0 = datetime(2026, 8, 20, 6, 0, tzinfo=timezone.utc)


def art(id: str, title: str, text: str = "", *, source: str | None = None, hours: float = 0,
        url: str | None = None, language: str | None = None) -> Article:
    return Article(id=id, title=title, text=text, origin=id, url=url or f"https://{id}.example.com/a",
                   source=source or f"Outlet {id}", published=T0 + timedelta(hours=hours),
                   language=language)


TIDY = {
    "decimal and compound": ("A 4. 6 - magnitude quake", False, "A 4.6-magnitude quake"),
    "a capital before a hyphen": ("T - Mobile shares rose", False, "T-Mobile shares rose"),
    "a participle compound": ("court - mandated rehab", False, "court-mandated rehab"),
    "clock time": ("at 2: 09 a. m. local time", False, "at 2:09 a.m. local time"),
    "spaced punctuation": ("He said , adding ( quietly ) that it was over .", False,
                           "He said, adding (quietly) that it was over."),
    "split possessive": ("Reid ' s rep", False, "Reid's rep"),
    "glued subhead": ("Why is the bill stalled?Although it passed", False, "Why is the bill stalled? Although it passed"),
    "glued quote": ("Vincent'The Chin' Gigante dies", False, "Vincent 'The Chin' Gigante dies"),
    "a dash in ordinary copy stays": ("The deal - which was signed - failed", False, "The deal - which was signed - failed"),
    "every hyphen in rebuilt text": ("box - office and anti - piracy", True, "box-office and anti-piracy"),
    "a contraction is no quote": ("l'Oréal and O'Neil's shop", False, "l'Oréal and O'Neil's shop"),
    "a decade glued on": ("musicals of the 1940s and'50s", False, "musicals of the 1940s and '50s"),
    "instrument codes": ("Moderna's (MRNA.O) vaccine with Merck's (NYSE: MRK) drug", False,
                         "Moderna's vaccine with Merck's drug"),
    "a parenthesis that is no code stays": ("the agency (ITIA) said", False, "the agency (ITIA) said"),
}


@pytest.mark.parametrize("case", TIDY)
def test_spacing_artefacts_are_repaired(case):
    text, joined, want = TIDY[case]
    assert tidy(text, joined) == want


def test_a_summary_quotes_in_one_style():
    mixed = ["China said Trump\u2019s threat of \u201ceconomic warfare\u201d would not work.",
             'Trump announced an "ECONOMIC D-DAY" against the country\'s leaders.']
    assert one_quote_style(mixed)[1] == "Trump announced an \u201cECONOMIC D-DAY\u201d against the country\u2019s leaders."
    plain = ['He called it "unfair".', "The country's leaders agreed."]
    assert one_quote_style(plain) == plain          # one style already: nothing changes


def test_text_rebuilt_from_tokens_is_told_from_ordinary_copy():
    assert rebuilt("a 90 - day stay in a court - ordered box - office hit")
    assert not rebuilt("the deal - which was signed \u2014 failed - again")   # a real dash is there
    assert not rebuilt("one spaced - hyphen only")


HEADLINES = {
    "a dateline and a trailing phrase": (
        "Mannheim, Germany (Sports Network) - Wladimir Klitschko retained three heavyweight title belts by "
        "scoring a dominant seventh-round technical knockout of Hasim Rahman Saturday night.",
        "Wladimir Klitschko retained three heavyweight title belts"),
    "trailing place and purpose": (
        "Wladimir Klitschko stopped Hasim Rahman in the seventh round to retain his IBF, IBO and WBO "
        "heavyweight titles at the SAP-Arena in Mannheim, Germany.",
        "Wladimir Klitschko stopped Hasim Rahman in the seventh round"),
    "a subordinate clause first": (
        "When the storm reached the coast on Tuesday night after days at sea, officials in Aceh ordered "
        "thousands of families to leave their villages.",
        "Officials in Aceh ordered thousands of families to leave their villages"),
    "a short title stays": ("Hansbrough sets Carolina's career scoring record",
                            "Hansbrough sets Carolina's career scoring record"),
    "a wire label goes": ("Exclusive-How a Texas student blew the whistle on a rogue AI hacking attempt",
                          "How a Texas student blew the whistle on a rogue AI hacking attempt"),
}


@pytest.mark.parametrize("case", HEADLINES)
def test_headlines_are_headline_shaped(case):
    title, want = HEADLINES[case]
    got = shorten(title).rstrip(".")
    assert got == want and len(got.split()) <= 16


def test_a_long_title_is_never_cut_before_its_main_verb_and_a_real_headline_wins():
    sentence = ("A fire that caused more than $1 million in damage to Alaska Gov. Sarah Palin's church in Wasilla, "
                "Alaska, may have been set by an arsonist, investigators say.")
    assert "may have been set" in shorten(sentence)     # not "... Sarah Palin's church"
    text = ("Investigators said on Sunday that the fire at the Wasilla Bible Church, attended by Alaska Gov. "
            "Sarah Palin, may have been set deliberately.")
    story = build_story([art("a", sentence, text), art("b", "Palin's church damaged in suspicious fire", text,
                                                       hours=1)], [])
    assert story.headline == "Palin's church damaged in suspicious fire"


FIGURES = {
    "money with what it buys": ("Nebius plans $4.5 billion convertible debt sale to fund data centers",
                                "$4.5 billion convertible debt sale"),
    "money in damage": ("A fire caused more than $1 million in damage to the church.", "$1 million in damage"),
    "a share of something": ("The administration delayed 50% tariffs on Canadian goods.", "50% tariffs"),
    "a magnitude either way": ("A 6.1-magnitude quake struck the coast.", "magnitude 6.1"),
    "a verb ends the phrase": ("It will issue $2.75 billion maturing in 2030.", "$2.75 billion"),
}


@pytest.mark.parametrize("case", FIGURES)
def test_figures_with_what_they_measure(case):
    sentence, shown = FIGURES[case]
    assert shown in [f for _, f in figures(sentence)]


def test_a_share_of_nothing_named_is_no_figure_and_one_amount_is_one_key():
    assert figures("Shares jumped 60% in early trading.") == ()
    (a,), (b,) = figures("It paid $12.18 billion."), figures("It paid $12.2 billion for it.")
    assert a[0] == b[0]                 # two significant figures: one amount told two ways


ROLES = {
    "a title before the name": ("President Donald Trump announced the delay.", "Donald Trump", "President Donald Trump"),
    "an organisation and a role": ("Apple CEO Tim Cook said sales rose.", "Tim Cook", "Apple CEO Tim Cook"),
    "an apposition": ("Larry Kroon, pastor of the Wasilla Bible Church, estimates the damage.", "Larry Kroon",
                      "Larry Kroon, pastor of the Wasilla Bible Church"),
    "a specialist": ("The study was led by rheumatologist Georg Schett in Erlangen.", "Georg Schett",
                     "rheumatologist Georg Schett"),
    "a record is no role": ("Wladimir Klitschko, 53-3, 47 KOs, won again.", "Wladimir Klitschko", None),
    "a dateline in capitals is no title": ("KYIV President Volodymyr Zelenskiy spoke.", "Volodymyr Zelenskiy",
                                           "President Volodymyr Zelenskiy"),
}


@pytest.mark.parametrize("case", ROLES)
def test_roles(case):
    sentence, name, want = ROLES[case]
    assert role_of(sentence, name) == want


def test_datelines_and_promotion_lines():
    assert undated("AUSTIN, Texas, Aug 20: Sinan Can Demir spent the week on it.") == "Sinan Can Demir spent the week on it."
    assert undated("SINGAPORE: Singapore's police force said on Thursday it was looking into it.").startswith("Singapore's")
    assert unusable("Add CNA as a trusted source to help Google better understand our content.") == "promotion"
    assert unusable("Read a summary of this article on FAST.") == "promotion"


def test_aggregators_and_languages():
    assert aggregated("https://news.google.com/rss/articles/CBMi") and aggregated(None, "Reuters/Bloomberg resource pool")
    assert not aggregated("https://www.reuters.com/world/a", "Reuters")
    english = art("e", "Police look into iron ore trader", "The police said on Thursday that they were looking into "
                  "the trader after reports from its banks, and that the inquiry had only just begun in the city.")
    portuguese = art("p", "Kyrgios suspenso", "O ex-finalista de Wimbledon Nick Kyrgios foi suspenso provisoriamente do "
                     "tênis nesta quarta-feira após testar positivo para cocaína, e o temperamental australiano "
                     "reconheceu seu grande erro em um pedido público de desculpas ontem.")
    japanese = art("j", "シンガポール警察、捜査開始", language="ja")
    short = art("s", "Kyrgios suspended")
    assert in_language([english, portuguese, japanese, short], "en") == {"e", "s"}
    assert in_language([japanese], "en") is None          # nobody in it: no restriction
    assert language_of([japanese, art("k", "x", language="ja"), art("l", "y", language="en-GB")]) == "ja"


def test_a_declared_multiple_language_is_no_language():
    assert detect_language("The council said on Monday that the plan would pass.", "mul") == "en"
    assert detect_language("シンガポール警察、鉄鉱石商社の捜査開始", "en") == "ja"
    assert detect_language("Plain English copy that says what happened today.", "en-US") == "en"


# --- the summary from the representative article --------------------------------------------------
LEAD_A = ("Singapore police said on Thursday that they had received reports about Radiant World, one of the "
          "world's largest iron ore traders, and were looking into the matter.")
NEXT_A = ("The company has come under scrutiny from counterparties in recent weeks because of concerns about "
          "invoices provided to its banks.")
RESTATED = ("Singapore's police force said it has received reports about the iron ore trader Radiant World and that "
            "it is looking into the matter.")
NEW = ("Commodities broker Marex Group has frozen 14 accounts of the trader, two sources with knowledge of the "
       "matter told Reuters on Thursday.")
BACKGROUND = ("The trader, whose 14 accounts Marex has frozen, was founded by Pinkesh Nahar in 2003 and trades "
              "more than 80 million tons of iron ore a year.")


def _radiant_world(background: str):
    return build_story([
        art("a", "Singapore police look into iron ore trader Radiant World", f"{LEAD_A} {NEXT_A}", source="CNA"),
        art("b", "Singapore police looking into trader Radiant World", f"{RESTATED} {background}",
            source="Bloomberg", hours=1),
        art("c", "Singapore police probe Radiant World as Marex freezes accounts", f"{RESTATED} {NEW}",
            source="Reuters", hours=2),
    ], [])


def test_the_summary_is_the_representatives_lead_then_only_what_is_new():
    story = _radiant_world(BACKGROUND)
    said = [s for s, _ in story.summary]
    assert said[:2] == [LEAD_A, NEXT_A] and story.summary[0][1] == "a"
    assert RESTATED not in said and BACKGROUND not in said     # a restatement, and history
    assert said[2:] == [NEW]
    # A figure only one outlet gives ("14 accounts" nowhere else) makes no third sentence: colour
    # such as "20 sportswriters typing behind the basket" looks the same.
    alone = _radiant_world(BACKGROUND.replace("whose 14 accounts Marex has frozen", "based in Singapore"))
    assert [s for s, _ in alone.summary] == [LEAD_A, NEXT_A]


CUT = {
    "a relative clause cut off": (
        "The billionaire founder of China Evergrande Group, the world's most-indebted property developer, was "
        "sentenced to life in prison on Thursday by a Chinese court, which ...",
        "The billionaire founder of China Evergrande Group, the world's most-indebted property developer, was "
        "sentenced to life in prison on Thursday by a Chinese court."),
    "an attribution cut off": (
        "Hui Ka Yan, founder of the Evergrande group, was sentenced to life and the companies were fined more "
        "than US$2 billion, a court in the \u2026",
        "Hui Ka Yan, founder of the Evergrande group, was sentenced to life and the companies were fined more "
        "than US$2 billion."),
    "no comma to cut at": ("Deputy Governor Poonam Gupta flagged a possible rate hike later this year despite "
                           "retaining a neutral stance ...", None),
    "an apposition left open": ("The company, which makes memory chips for phones, said it would ...", None),
    "a long clause cut off": ("Prices rose sharply in the week, with analysts at several large banks in London "
                              "and New York now expecting ...", None),
    "a whole sentence stays": ("Prices rose.", "Prices rose."),
}


@pytest.mark.parametrize("case", CUT)
def test_a_snippet_cut_off_keeps_only_a_whole_sentence(case):
    text, want = CUT[case]
    assert whole_clause(text) == want


def test_a_snippet_cut_off_gives_its_whole_first_clause_to_the_summary():
    lead = ("China Evergrande Group's founder Hui Ka Yan has been sentenced to life in prison, bringing an end to "
            "one of the most dramatic rise and fall stories in China's corporate history.")
    snippet = ("Hui's Evergrande group was ordered to pay fines of more than 4.1 billion yuan to thousands of "
               "creditors across the country, a court in the ...")
    story = build_story([
        art("a", "China Sentences Evergrande Founder Hui to Life in Prison", lead, source="Bloomberg"),
        art("b", "Evergrande founder Hui Ka Yan sentenced to life in prison", snippet, source="BNN", hours=1),
    ], [])
    assert [s for s, _ in story.summary] == [lead, snippet.split(", a court")[0] + "."]


def test_the_representatives_short_second_sentence_is_quoted_and_a_feature_opens_on_its_first():
    lead = ("US stock futures were lower ahead of the market open on Thursday as a rally in government bonds "
            "sputtered, sending yields higher, and oil prices rose.")
    short = "Walmart's earnings disappointed, pressuring shares of the retail giant and peers."
    story = build_story([art("a", "US Stock Futures Fall as Oil, Yields Climb While Walmart Slumps",
                             f"{lead} {short}", source="Bloomberg")], [])
    assert [s for s, _ in story.summary] == [lead, short]
    first = "Sinan Can Demir wanted to spend the last week of July burnishing his resume."
    then = ("Instead, he engaged in a battle of wits with an artificial-intelligence agent unleashed by a "
            "British government lab.")
    after = ("It started after Demir, a computer science student in Dallas, stumbled across an attempt to "
             "sabotage a piece of open-source software on GitHub.")
    story = build_story([art("a", "How a Texas student blew the whistle on a rogue AI hacking attempt",
                             f"{first} {then} {after}", source="Reuters")], [])
    assert [s for s, _ in story.summary][:2] == [first, then]


def test_a_title_before_a_name_the_headline_gives_is_no_key_fact():
    text = ("President Donald Trump urged Congress on Wednesday to pass the Clarity Act, a bill that would set "
            "rules for the crypto industry.")
    story = build_story([art("a", "Bitcoin climbs after Trump pushes Clarity Act", text, source="Reuters"),
                         art("b", "Crypto shares rise as Trump backs Clarity Act", text, source="CNA", hours=1)], [])
    assert "President Donald Trump" not in story.key_facts
    # Under a headline that does not name him, his role is a fact.
    story = build_story([art("a", "Crypto shares climb as Congress weighs the Clarity Act", text, source="Reuters"),
                         art("b", "Crypto shares rise on Clarity Act hopes", text, source="CNA", hours=1)], [])
    assert "President Donald Trump" in story.key_facts


def test_a_figure_from_background_is_no_key_fact():
    lead = ("Mob boss Vincent Gigante, who avoided jail for decades by feigning mental illness, died on Monday "
            "in a federal prison hospital, a prison spokesman said.")
    history = "It was the same prison where rival mob boss John Gotti died of cancer in 2002 at age 61."
    story = build_story([art("a", "Vincent Gigante dies in prison", f"{lead} {history}", source="AP"),
                         art("b", "Mob boss Gigante dies in federal prison", f"{lead} {history}", source="NYT",
                             hours=1)], [])
    assert not any("61" in f for f in story.key_facts)


def test_a_source_whose_title_only_dates_its_page_is_listed_by_its_opening():
    text = ("The Indian Navy patrolling the Gulf of Aden on Thursday thwarted a multi-boat attack by pirates on "
            "merchant vessels, apprehending 26 Somali pirates.")
    story = build_story([art("a", "Indian Navy foils attack in Gulf of Aden, nabs 26 pirates", text),
                         art("b", "Updated: November 11, 2011 20:09 IST", text, hours=1)], [])
    listed = {r.article_id: r.title for r in story.sources}
    assert listed["b"] == "The Indian Navy patrolling the Gulf of Aden on Thursday thwarted a multi-boat attack\u2026"
    assert story.headline == "Indian Navy foils attack in Gulf of Aden, nabs 26 pirates"


def test_the_representatives_news_lede_opens_the_summary():
    lede = ("Cryptocurrency and blockchain-related stocks surged in premarket trading on Thursday after U.S. "
            "President Donald Trump urged Congress to pass legislation establishing clear rules for the sector.")
    then = ("Trump, a vocal cryptocurrency advocate, called on lawmakers to pass a fair version of the Clarity "
            "Act, an industry-backed bill stalled in the Senate.")
    more = ("The act, if enacted, would define whether cryptocurrency qualifies as a security or a commodity, "
            "clarifying which regulator oversees the sector.")
    title = "Bitcoin, crypto shares climb after Trump pushes Clarity Act"
    story = build_story([art("a", title, f"{lede} {then} {more}", source="Reuters"),
                         art("b", title, f"{lede} {then} {more}", source="CNA", hours=1)], [])
    assert [s for s, _ in story.summary][:2] == [lede, then]


def test_a_title_case_headline_still_names_the_storys_own_terms():
    lead = ("Samsung and SK Hynix are preparing record shareholder returns after investors sent their stocks "
            "tumbling over concerns around the sustainability of AI hardware spending.")
    other = ("Samsung Electronics is set to announce a new shareholder return policy later this month worth more "
             "than 100 trillion won ($71.75 billion), media reported on Thursday.")
    story = build_story([
        art("a", "Samsung, SK Hynix Prepare Record Shareholder Returns", lead, source="Bloomberg"),
        art("b", "Samsung to announce $72 billion shareholder return programme", other + " Local rival SK Hynix "
            "on Wednesday unveiled a 40 trillion won share buyback and cancellation plan, the largest such "
            "programme in South Korea.", source="CNA", hours=1),
    ], [])
    assert [s for s, _ in story.summary] == [lead, other]      # "shareholder return" restates nothing


@pytest.mark.parametrize("sentence,is_background", [
    ("In 2001 he knocked out Lennox Lewis in South Africa.", True),
    ("The Missouri native suffered through a shin injury earlier in the season that forced him to miss games.", True),
    ("He was named player of the year last season.", True),
    ("He scored 20 points on Thursday night to break the record.", False),
    ("The record had stood for 30 years.", False),
])
def test_background_is_an_earlier_year_or_time(sentence, is_background):
    assert background(sentence, 2008) is is_background


def test_a_sentence_pointing_back_after_a_preposition_is_left_out():
    lead = ("Tyler Hansbrough scored 20 points on Thursday night to break North Carolina's career scoring record "
            "and help the top-ranked Tar Heels beat Evansville 91-73.")
    then = ("The senior needed nine points against Evansville to pass Phil Ford, who had held the record for 30 "
            "years.")
    colour = ("Beyond them, more than 20,000 fans at the Dean Smith Center cheered as Hansbrough passed the 2,290 "
              "points Phil Ford scored for North Carolina.")
    story = build_story([art("a", "Hansbrough breaks Carolina's career scoring record", f"{lead} {then}", source="AP"),
                         art("b", "Hansbrough makes history at North Carolina", colour, source="News Observer",
                             hours=1)], [])
    assert [s for s, _ in story.summary] == [lead, then]


ONE_FOR_MANY = {
    "a count of the one": ("North Korea fired a suspected ballistic missile towards the sea on Thursday.",
                           "Seoul condemned the launch of more than 10 short-range missiles.", True),
    "the plural of the one": ("North Korea fired a suspected ballistic missile towards the sea on Thursday.",
                              "The missiles flew around 300 kilometres toward the sea, Seoul said.", True),
    "one attack of many missiles": ("More than a dozen people were killed in a Russian missile attack "
                                    "targeting Kyiv.",
                                    "Russia launched dozens of cruise missiles and 168 drones in the attack.", False),
    "a count word is no thing": ("More than a dozen people were killed in the attack.",
                                 "Rescuers said dozens of people were still missing.", False),
}


@pytest.mark.parametrize("case", ONE_FOR_MANY)
def test_a_sentence_that_counts_many_of_what_the_summary_calls_one_is_left_out(case):
    said, sentence, want = ONE_FOR_MANY[case]
    found = frozenset((q.key, q.value) for q in quantities(sentence))
    assert one_for_many(found, said, sentence) is want


def test_a_lead_that_hardly_tells_the_headline_gives_way_to_one_that_does():
    weak = "Larry Kroon, pastor of the Wasilla Bible Church, estimates damages at more than $1 million to the church."
    then = ("Kroon declined to say if the blaze was politically based or directed at Palin, the failed Republican "
            "vice presidential candidate.")
    strong = ("Wasilla Bible Church, the home church of Alaska Gov. Sarah Palin and her family, received an "
              "estimated $1 million in damage from a fire that was deliberately set Friday night.")
    story = build_story([
        art("a", "Gov. Sarah Palin's home church has been badly damaged in a suspicious fire", f"{weak} {then}",
            source="City Tribune"),
        art("b", "Arson damages Palin's church in Wasilla", strong, source="Capital Report", hours=1),
    ], [])
    assert story.headline == "Gov. Sarah Palin's home church has been badly damaged in a suspicious fire"
    assert story.summary[0][0] == strong


def test_a_third_sentence_from_another_outlet_needs_a_new_figure():
    # A reaction with a new name only, and colour: neither goes third (the editors read third
    # sentences with a name alone as padding: "Smith told Ford ...", a "Deep Throat" aside).
    lead = ("China said President Donald Trump's threat to launch economic warfare on Iran and its trading "
            "partners would not work, urging cool heads to prevail.")
    then = ("Trump announced plans on Wednesday to isolate the country and punish those that trade with it, "
            "citing its refusal to accept his terms.")
    reaction = ("Iran's Foreign Minister Abbas Araqchi said on Thursday that Trump's move against Tehran was a "
                "diversion from America's own problems and would fail.")
    colour = ("Iran's Foreign Minister Abbas Araqchi, a career diplomat educated at the University of Kent, has "
              "long been seen as a pragmatist who can deal with Trump.")
    title = "China says Trump's economic warfare won't solve Iran crisis"
    story = build_story([art("a", title, f"{lead} {then}", source="Bloomberg"),
                         art("b", "Iran says US economic pressure on Tehran will fail", reaction, source="Reuters",
                             hours=1)], [])
    assert [s for s, _ in story.summary] == [lead, then]
    story = build_story([art("a", title, f"{lead} {then}", source="Bloomberg"),
                         art("b", "Iran's Araqchi on US economic pressure on Tehran", colour, source="Reuters",
                             hours=1)], [])
    assert [s for s, _ in story.summary] == [lead, then]


def test_a_title_written_as_a_sentence_leads_when_the_headline_was_cut_from_it():
    title = ("Wladimir Klitschko stopped Hasim Rahman in the seventh round to retain his IBF, IBO and WBO "
             "heavyweight titles at the SAP-Arena in Mannheim, Germany.")
    text = ("Rahman barely landed a punch as the Ukrainian dominated the encounter from the start and the "
            "American had to hold on in the early rounds of the fight.")
    story = build_story([art("a", title, text), art("b", title, text, hours=1)], [])
    assert story.headline == "Wladimir Klitschko stopped Hasim Rahman in the seventh round"
    assert story.summary[0][0] == title


def test_an_english_digest_takes_no_text_from_other_languages():
    en = art("e", "Nvidia H200 chips reach China in small shipments", "Nvidia has begun shipping its H200 chips to "
             "Chinese customers in small numbers, the Financial Times reported on Wednesday, citing people "
             "familiar with the matter.", source="Reuters")
    ja = art("j", "エヌビディア「Ｈ２００」、中国企業に納入", "エヌビディアの半導体「Ｈ２００」が中国企業に納入された。"
             "まずテンセントなどが受け取った。", source="ロイター", hours=-1, language="ja")
    story = build_story([ja, en], [], language="en")
    assert story.headline.startswith("Nvidia") and all(aid == "e" for _, aid in story.summary)
    assert story.language is None or story.language == "en"
    alone = build_story([ja], [], language="en")
    assert alone.language == "ja"         # told only in Japanese: select leaves it out of the digest


def test_a_card_is_dated_by_its_articles_never_by_the_run():
    seen = Article(id="g", title="Fire destroys Leeds warehouse", text="A fire destroyed a warehouse.", origin="x",
                   published=T0 + timedelta(days=3), published_guessed=True)
    dated = art("d", "Fire destroys Leeds warehouse", "A fire destroyed a warehouse in Leeds on Monday night.")
    story = build_story([seen, dated], [], now=T0 + timedelta(days=3))
    assert story.last_updated == T0         # the feed's date, not the time the run first saw "g"
