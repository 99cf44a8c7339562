"""`newsdesk outbox retry` and `[schedule] deliver = true` driven through the CLI."""
from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import ENV, status_of, write_config, write_outbox
from pipeline import outbox
from pipeline.cli import main
from pipeline.errors import OutboxError

REPO = Path(__file__).resolve().parents[2]
PINNED = datetime(2026, 11, 22, 4, 0, tzinfo=timezone.utc).timestamp()


def test_outbox_retry_only_moves_a_sending_draft_back_to_approved(tmp_path, capsys):
    box = tmp_path / "outbox"
    ids = write_outbox(box)
    eml = ids["digest.html"]
    assert main(["outbox", "--outbox", str(box), "retry", eml]) == 1       # approved: nothing to retry
    assert "is approved, not sending" in capsys.readouterr().err
    outbox.set_status(box, [ids["posts/lupus/x.txt"]], outbox.REJECTED, by="ed")
    with pytest.raises(OutboxError):                                      # rejected is final
        outbox.set_status(box, [ids["posts/lupus/x.txt"]], outbox.SENDING, by="newsdesk deliver")
    outbox.set_status(box, [eml], outbox.SENDING, by="newsdesk deliver")
    assert main(["outbox", "--outbox", str(box), "retry", eml, "--by", "ed"]) == 0
    entry = status_of(box, eml)
    assert entry.status == outbox.APPROVED and entry.history[-1].by == "ed"
    assert entry.history[-1].reason.startswith("retry")
    outbox.set_status(box, [eml], outbox.SENDING, by="newsdesk deliver")
    assert main(["outbox", "--outbox", str(box), "sent", eml]) == 0       # or: it did go out
    assert status_of(box, eml).status == outbox.SENT
    with pytest.raises(OutboxError):                                      # and sent is final
        outbox.retry(box, [eml], by="ed")


@pytest.mark.parametrize("deliver", [True, False])
def test_schedule_once_delivers_after_its_run_only_when_configured(tmp_path, smtp, monkeypatch, deliver):
    shutil.copytree(REPO / "seeds", tmp_path / "seeds")
    for f in (tmp_path / "seeds").iterdir():
        os.utime(f, (PINNED, PINNED))
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    ids = write_outbox(tmp_path / "outbox")            # an approved digest waiting to go out
    sources = '[[sources]]\nname = "Seeds"\npath = "seeds"\n'
    cfg = write_config(tmp_path, smtp=smtp, extra="max_age_hours = 1000000\nstory_window_days = 100000\n"
                       + ("[schedule]\ndeliver = true\n" if deliver else ""))
    cfg.write_text(cfg.read_text() + sources)
    assert main(["--config", str(cfg), "schedule", "--once", "--quiet"]) == 0
    assert len(smtp.received) == (1 if deliver else 0)
    assert status_of(tmp_path / "outbox", ids["digest.html"]).status == ("sent" if deliver else "approved")
    assert len([p for p in (tmp_path / "outbox").iterdir() if p.is_dir()]) == 2   # the run's digest too
