"""The state blob format carries data only: arrays and JSON round-trip; pickles are refused."""
from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np
import pytest

from pipeline.stories import blob


def test_arrays_tuples_and_plain_values_round_trip():
    state = {"ids": ["a", "b"], "story": {"a": 0, "b": 0}, "ts": np.array([1.5, np.nan]),
             "words": (np.array([0.5, 0.25], dtype=np.float32), np.array([3, 7]), np.array([0, 1, 2])),
             "version": 2}
    back = blob.load(blob.dump(state))
    assert back["ids"] == ["a", "b"] and back["story"] == {"a": 0, "b": 0} and back["version"] == 2
    assert np.array_equal(back["ts"], state["ts"], equal_nan=True)
    assert all(np.array_equal(x, y) and x.dtype == y.dtype for x, y in zip(back["words"], state["words"]))


class _Boom:
    def __reduce__(self):
        return (os.system, ("touch /tmp/newsdesk-pwned",))


@pytest.mark.parametrize("make", ["raw-pickle", "object-array", "pickle-in-npy"])
def test_a_crafted_blob_never_runs_code(tmp_path, make):
    marker = "/tmp/newsdesk-pwned"
    if os.path.exists(marker):
        os.remove(marker)
    if make == "raw-pickle":
        data = pickle.dumps({"version": 1, "x": _Boom()})
    else:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("meta.json", '{"format": "newsdesk-state", "layout": {"x": 0}, "plain": {}}')
            if make == "object-array":
                buf = io.BytesIO()
                np.save(buf, np.array([_Boom()], dtype=object), allow_pickle=True)
                z.writestr("x.npy", buf.getvalue())
            else:
                z.writestr("x.npy", pickle.dumps(_Boom()))
        data = out.getvalue()
    with pytest.raises(blob.BlobError):
        blob.load(data)
    assert not os.path.exists(marker)


def test_object_arrays_are_refused_when_writing():
    with pytest.raises(TypeError):
        blob.dump({"x": np.array([{"a": 1}], dtype=object)})


def test_the_story_index_refuses_a_pickled_state_and_round_trips_its_own():
    from datetime import datetime, timezone

    from pipeline.model import Article
    from pipeline.stories.group import StoryIndex

    marker = "/tmp/newsdesk-pwned"
    if os.path.exists(marker):
        os.remove(marker)
    with pytest.raises(blob.BlobError):
        StoryIndex.from_bytes(pickle.dumps({"version": 2, "ids": _Boom()}))
    assert not os.path.exists(marker)
    body = ("The harbour authority closed the port of Valdora on Monday after a fuel tanker ran "
            "aground in the channel, spilling diesel along four kilometres of the northern shore. ") * 3
    when = datetime(2026, 5, 4, 8, tzinfo=timezone.utc)
    index = StoryIndex()
    index.add([Article(id="a", title="Tanker runs aground at Valdora", text=body, origin="t",
                       source="A", published=when)])
    restored = StoryIndex.from_bytes(index.to_bytes())
    copy = Article(id="b", title="Valdora port shut after tanker grounding", text=body, origin="t",
                   source="B", published=when)
    (placed,) = restored.add([copy])
    assert placed.member.reason == "duplicate" and placed.story_id == "a"   # found by the rebuilt LSH
