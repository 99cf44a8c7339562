"""Names by sound and figures as written: the evidence that lets a story told in Japanese meet
the same story told in English (cases written here in the manner of wire headlines)."""
from __future__ import annotations

import pytest

from pipeline.stories.sounds import sound_key, sound_keys

SAME_NAME = [
    ("Samsung", "サムスン"), ("Radiant", "ラディアント"), ("Trump", "トランプ"),
    ("Morgan", "モルガン"), ("Nvidia", "エヌビディア"), ("Ukraine", "ウクライナ"),
    ("Zelenskiy", "ゼレンスキー"), ("Singapore", "シンガポール"), ("Riksbank", "リクスバンク"),
    ("Canada", "カナダ"), ("Evergrande", "エバーグランデ"),
]
OTHER_NAMES = [("Samsung", "ソニー"), ("Canada", "メキシコ"), ("Trump", "トヨタ"), ("Nvidia", "インテル")]


def _key_of_katakana(word: str) -> str | None:
    keys = [k for k in sound_keys(word, "") if k.startswith("s")]
    return keys[0][1:] if keys else None


@pytest.mark.parametrize("latin, katakana", SAME_NAME, ids=[p[0] for p in SAME_NAME])
def test_a_name_and_its_katakana_spelling_share_a_key(latin, katakana):
    assert sound_key(latin) is not None
    assert sound_key(latin) == _key_of_katakana(katakana)


@pytest.mark.parametrize("latin, katakana", OTHER_NAMES, ids=[p[0] for p in OTHER_NAMES])
def test_other_names_do_not(latin, katakana):
    assert sound_key(latin) != _key_of_katakana(katakana)


def test_a_headline_and_its_translation_share_names_and_figures():
    en = sound_keys("Trump pauses 50% tariffs on goods from Canada, says two sides have a deal", "")
    ja = sound_keys("米、対カナダ５０％関税を３日間停止 カーニー氏「重要作業残る」", "")
    assert {"sknd", "n50%"} <= set(en) & set(ja)


def test_years_and_single_digits_are_not_evidence():
    keys = sound_keys("Oil up 2 cents in 2026", "")
    assert not [k for k in keys if k.startswith("n")]


def test_short_keys_are_dropped_and_keys_are_bounded():
    assert sound_key("Ai") is None and sound_key("EU") is None
    many = " ".join(f"Name{chr(65 + i)}bcd Zed{i}" for i in range(40))
    assert len(sound_keys(many, "")) <= 24
