"""A story's lead image (pipeline.stories.image): the headline's article's picture, else the most
central member's that has one; kept in the stored story and in the outbox's manifest."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from pipeline.history import story_from_json, story_to_json
from pipeline.model import Article, Image
from pipeline.stories.merge import build_story

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
TEXT = ("The port strike ended on Tuesday after dockers accepted a pay offer of 6 percent. "
        "Ships queued outside the harbour for twelve days. Unions said the deal runs two years.")


def art(id: str, title: str, text: str = TEXT, *, hours: float = 0, image: str | None = None, **kw) -> Article:
    return Article(id=id, title=title, text=text, origin=id, url=f"https://{id}.example/a", source=f"Outlet {id}",
                   published=T0 + timedelta(hours=hours), image=image, **kw)


def test_the_headline_articles_picture_comes_first():
    members = [art("a", "Port strike ends after dockers accept pay offer", image="https://a.example/a.jpg"),
               art("b", "Port strike ends after dockers accept pay offer of 6 percent", hours=1,
                   image="https://b.example/b.jpg", image_credit="B Photo", image_width=1200, image_height=675),
               art("c", "Harbour traffic resumes", text="Unrelated words about traffic and weather.", hours=2,
                   image="https://c.example/c.jpg")]
    story = build_story(members, [])
    headline_article = next(s.article_id for s in story.sources if s.title == story.headline)
    assert story.image == next(a.lead_image for a in members if a.id == headline_article)


def test_the_most_central_member_with_a_picture_when_the_headlines_has_none():
    members = [art("a", "Port strike ends after dockers accept pay offer"),
               art("b", "Port strike ends: dockers accept pay offer", hours=1, image="https://b.example/b.jpg"),
               art("c", "Weather in the harbour", text="Rain and wind over the harbour all week long.", hours=2,
                   image="https://c.example/c.jpg")]
    story = build_story(members, [])
    assert story.image == Image("https://b.example/b.jpg")
    assert build_story([replace(a, image=None) for a in members], []).image is None


def test_the_same_articles_in_any_order_give_the_same_picture():
    members = [art(i, f"Port strike ends after dockers accept pay offer {i}", hours=n, image=f"https://{i}.example/p.jpg")
               for n, i in enumerate("abcd")]
    assert len({build_story(list(order), []).image for order in (members, members[::-1], members[1:] + members[:1])}) == 1


def test_the_stored_story_keeps_its_picture():
    story = build_story([art("a", "Port strike ends", image="https://a.example/a.jpg", image_alt="Dockers",
                             image_credit="AP", image_width=800, image_height=450)], [])
    again = story_from_json(story_to_json(story))
    assert again.image == story.image == Image("https://a.example/a.jpg", "Dockers", "AP", 800, 450)
    assert story_from_json(story_to_json(replace(story, image=None))).image is None
