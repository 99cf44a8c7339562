"""What a run that changes nothing must not pay for: choosing among known stories and the CLI's
start-up import neither scikit-learn (grouping) nor the network rules of posts (editing)."""
import subprocess
import sys

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from pipeline.stories.tokens import NEWS_STOP_WORDS, STOP_WORDS


def _imported_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_stop_words_are_scikit_learns_list_and_ours():
    assert STOP_WORDS == frozenset(ENGLISH_STOP_WORDS) | NEWS_STOP_WORDS


def test_selecting_imports_no_scikit_learn_and_the_cli_no_post_rules():
    selecting = _imported_after("import pipeline.select, pipeline.run")
    assert "pipeline.stories.tokens" in selecting and "sklearn" not in selecting
    cli = _imported_after("from pipeline import cli; cli.build_parser()")
    assert "twitter_text" not in cli and "pipeline.render.posts" not in cli
