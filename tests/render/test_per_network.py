"""Posts written per network from one story, and hashtags only from its main named subjects:
tables of named cases (examples from the editorial read of issue 13, written here by hand)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pipeline.model import Member, SourceRef, Story
from pipeline.render.posts import NETWORKS, body_for, is_valid, make_post
from pipeline.render.tags import hashtags

WHEN = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
URL = "https://harbourtimes.example/world/2026/11/20/aceh-floods-death-toll-rises-to-twenty-four"


def story(headline="Floods in Aceh kill at least 24 as rivers burst their banks",
          lead="Floods and landslides in Indonesia's Aceh province have killed at least 24 people, "
               "the disaster agency said on Friday, as rescuers searched for the missing.",
          entities=("Aceh", "Indonesia"), facts=("24 people", "Aceh"), outlet="Harbour Times",
          url=URL, **kw) -> Story:
    return Story(id="s1", headline=headline, summary=((lead, "a1"),),
                 sources=(SourceRef(outlet, url, headline, WHEN, "a1"),), members=(Member("a1", "seed"),),
                 first_seen=WHEN, last_updated=WHEN, entities=tuple(entities), key_facts=tuple(facts), **kw)


def test_x_and_linkedin_differ():
    s = story(facts=("24 people", "Aceh", "3 bridges"))
    x, linkedin = (make_post(s, n, campaign="2026-11-20") for n in ("x", "linkedin"))
    assert x.text.startswith(s.headline)                       # X: a short hook with the link
    assert s.summary[0][0] in linkedin.text and "3 bridges" not in linkedin.text
    assert x.text != linkedin.text and len(linkedin.text) > len(x.text)


@pytest.mark.parametrize("network", NETWORKS)
def test_every_post_still_passes_its_networks_counter(network):
    post = make_post(story(lead="The agency said " + "rescuers searched the valley " * 40 + "overnight."),
                     network, campaign="2026-11-20")
    assert all(is_valid(p, network) for p in post.parts)


def test_bluesky_tries_the_short_link_label_before_cutting_the_lead():
    lead = ("Floods and landslides in Indonesia's Aceh province have killed at least 24 people, the "
            "disaster agency said on Friday, as rescuers searched villages for the missing.")
    post = make_post(story(lead=lead), "bluesky", campaign="2026-11-20", created_at=WHEN)
    assert lead in post.text and "harbourtimes.example/world" in post.text    # whole lead, short label
    assert post.payload["facets"][0]["features"][0]["uri"].startswith(URL)


TAGS = {
    "outlets are never tags": (dict(entities=("Reuters", "Harbour Times", "Aceh")), ("Aceh",)),
    "a victim's name in a crime story": (
        dict(headline="Man charged with murder of Kaloni Flynn in Fort Worth",
             lead="Police charged a man on Friday with the murder of Kaloni Flynn, who was found dead in Fort Worth.",
             entities=("Kaloni Flynn", "Flynn", "Fort Worth")), ("FortWorth",)),
    "a person's name is never a tag": (
        dict(headline="Jane Roe wins the chess title in Madrid",
             lead="Jane Roe won the world title in Madrid on Friday, and Roe said she would defend it.",
             entities=("Jane Roe", "Madrid", "Roe")), ("Madrid",)),
    "a person known by a role": (
        dict(headline="Chess body names new head in Madrid",
             lead="The federation named chairman Omar Beke on Friday at its congress in Madrid.",
             entities=("Omar Beke", "Madrid")), ("Madrid",)),
    "a fragment of a longer name is never a tag": (
        dict(headline="Matt Smith to leave Doctor Who at Christmas",
             lead="Matt Smith will leave Doctor Who in the Christmas special filmed in Cardiff, his agent said.",
             entities=("Doctor", "Doctor Who", "Cardiff")), ("DoctorWho",)),
    "acronyms keep their capitals": (
        dict(headline="CAR-T therapy sends lupus into remission",
             lead="A CAR-T therapy sent lupus into remission in five patients, doctors in Erlangen said.",
             entities=("CAR-T", "Erlangen")), ("CART",)),
    "an outlet glued to a name": (
        dict(headline="Senate weighs the Clarity Act",
             lead="The Senate on Thursday weighed the Clarity Act, a bill on crypto rules.",
             entities=("Clarity Act Reuters", "Clarity Act"), outlet="Reuters"), ("ClarityAct",)),
    "generic keywords are never tags": (dict(entities=(), keywords=("draws", "pressures")), ()),
    "only what the card itself names": (dict(entities=("Lennox Lewis", "Aceh")), ("Aceh",)),
    "no adjective, no date, no legal form": (
        dict(headline="Walmart Inc shares slump in Aug trading",
             lead="Walmart Inc shares fell on Thursday, Korean and Japanese markets were closed in Aug.",
             entities=("Korean", "Aug", "Walmart Inc")), ("Walmart",)),
    "no tag inside another": (dict(headline="North Korea rejects talks with the US",
                                   lead="North Korea said in Pyongyang on Thursday it would not hold talks with the United States this year.",
                                   entities=("Korea", "North Korea", "Pyongyang")), ("NorthKorea",)),
    # Where it happened is a tag only when the headline names it (#Springfield, #Calif, #Amsterdam
    # for a mobster's death, a rehab stay and a debt sale were the editors' examples).
    "a place only the summary names": (
        dict(headline="Mobster Vincent Gigante dies in prison at 77",
             lead="Vincent Gigante, the Genovese crime family boss, died on Monday at the federal prison hospital "
                  "in Springfield.", entities=("Springfield", "Genovese")), ()),
    "a state after a town": (
        dict(headline="Lindsay Lohan checks into rehab",
             lead="Lindsay Lohan checked into a rehab facility in Newport Beach, Calif., her lawyer said.",
             entities=("Calif", "Newport Beach")), ()),
    "a company's headquarters": (
        dict(headline="Nebius plans $4.5 billion debt sale to fund data centers",
             lead="The Amsterdam-headquartered company plans to issue notes worth $2.75 billion maturing in 2030.",
             entities=("Amsterdam", "Nebius")), ("Nebius",)),
    "a company's home town": (
        dict(headline="Nebius plans $4.5 billion debt sale to fund data centers",
             lead="Amsterdam-based Nebius plans to sell $4.5 billion of convertible debt.",
             entities=("Amsterdam", "Nebius")), ("Nebius",)),
    "a place the headline names stays": (dict(), ("Aceh",)),
    "a word inside a longer one is not named": (
        dict(headline="Lindsay Lohan checks into rehab", lead="Lohan checked into a Southern California rehab "
             "facility on Thursday, her attorney said.", entities=("Calif", "Lohan")), ()),
    "a role before a comma": (
        dict(headline="Fire damages the Wasilla Bible Church",
             lead="No one was hurt in the fire at the Wasilla Bible Church, said the fire chief, James Steele.",
             entities=("James Steele", "Wasilla Bible Church")), ("WasillaBibleChurch",)),
}


@pytest.mark.parametrize("case", TAGS)
def test_hashtags(case):
    kw, want = TAGS[case]
    assert hashtags(story(**kw)) == want


def test_body_for_each_network():
    s = story()
    assert body_for(s, "x") == s.headline
    assert body_for(s, "mastodon") == body_for(s, "threads") == body_for(s, "bluesky") == s.summary[0][0]
    assert body_for(s, "linkedin").split("\n\n")[:2] == [s.headline, s.summary[0][0]]


def test_the_publishers_link_over_an_aggregators():
    from pipeline.render.posts import best_link

    s = story()
    s = Story(id=s.id, headline=s.headline, summary=s.summary, members=s.members, sources=(
        SourceRef("Google News", "https://news.google.com/rss/articles/CBMiXYZ", s.headline, WHEN, "a1"),
        SourceRef("Harbour Times", "https://harbourtimes.example/world/aceh-floods", "Aceh floods", WHEN, "a2")))
    assert best_link(s) == "https://harbourtimes.example/world/aceh-floods"
    only = Story(id=s.id, headline=s.headline, summary=s.summary, members=s.members, sources=s.sources[:1])
    assert best_link(only).startswith("https://news.google.com/")      # nothing else to link


def test_a_lead_that_names_nothing_of_the_headline_gives_way_to_it():
    from pipeline.render.posts import lead_line, names_subject

    vague = story(lead="The actress, 26, checked in late on Thursday night, barely making the deadline set by the court.")
    assert lead_line(vague) == vague.headline
    assert names_subject("The Trump administration delayed the tariffs on Canadian goods.",
                         "Trump delays Canada tariffs at last minute")        # "Canadian" names "Canada"
    assert lead_line(story()) == story().summary[0][0]


def test_linkedin_says_why_it_matters():
    further = "Aid agencies warned that more rain was forecast for the week and that roads to the coast were cut."
    s = story()
    s = Story(id=s.id, headline=s.headline, summary=(*s.summary, ("A second sentence about the floods in Aceh.", "a1"),
                                                    (further, "a1")),
              sources=s.sources, members=s.members, key_facts=s.key_facts, entities=s.entities)
    post = make_post(s, "linkedin", campaign="2026-11-20")
    blocks = post.text.split("\n\n")
    assert blocks[0] == s.headline and blocks[2] == further and "Key facts" not in post.text
    assert len([t for t in post.text.split() if t.startswith("#")]) <= 3
    # Without a further sentence: no line at all, never the key facts (they repeat the lead).
    two = Story(id=s.id, headline=s.headline, summary=s.summary[:2], sources=s.sources, members=s.members,
                key_facts=("412 families", "3 villages"), entities=s.entities)
    blocks = make_post(two, "linkedin", campaign="2026-11-20").text.split("\n\n")
    assert blocks[:2] == [two.headline, " ".join(t for t, _ in two.summary)]
    assert "412 families" not in "\n".join(blocks) and "Key facts" not in "\n".join(blocks)


def test_linkedin_never_says_the_headline_twice():
    lead = ("Pinup icon Bettie Page died Thursday evening at a hospital in Los Angeles after suffering a heart "
            "attack on Dec. 2, according to her official site.")
    s = story()
    s = Story(id=s.id, headline="Pinup icon Bettie Page died Thursday evening at a hospital in Los Angeles",
              summary=((lead, "a1"),), sources=s.sources, members=s.members)
    text = make_post(s, "linkedin", campaign="2026-11-20").text
    assert text.startswith(lead) and text.count("Pinup icon Bettie Page") == 1
