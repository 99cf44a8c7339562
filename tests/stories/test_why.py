"""`stories show --why` says how far apart in time an article and its match were published."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from pipeline.commands.stories import _gap

T = datetime(2026, 8, 20, 9, tzinfo=timezone.utc)


def test_gap_in_hours_then_days():
    assert _gap(SimpleNamespace(published=T + timedelta(hours=3)), T) == "3 h"
    assert _gap(SimpleNamespace(published=T), T + timedelta(days=3)) == "3.0 d"
    assert _gap(SimpleNamespace(published=None), T) is None
    assert _gap(SimpleNamespace(published=T), None) is None
