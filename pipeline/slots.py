"""When scheduled runs are due: a daily wall-clock time in an IANA zone (DST-safe) or every N
hours, the grace for missed slots, and the backoff between retries of a failed run."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def daily_slot(day, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of `at` on local `day`. In the spring-forward gap (02:30 that never shows
    on the clock) fold=0 gives the instant an hour later on the wall; in the autumn repeat it gives
    the first of the two, so a slot never runs twice in one night."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(timezone.utc)


@dataclass(frozen=True)
class Plan:
    """When runs are due: daily at `at` in `tz`, or every `every` from an anchor instant."""

    tz: ZoneInfo
    at: time | None = None
    every: timedelta | None = None
    grace: timedelta = timedelta(hours=6)

    def __post_init__(self) -> None:
        if (self.at is None) == (self.every is None):
            raise ValueError("a plan is either daily at a time or every N hours")
        if self.every is not None and self.every <= timedelta(0):
            raise ValueError("every_hours must be positive")

    def describe(self) -> str:
        if self.at is not None:
            return f"every day at {self.at:%H:%M} {getattr(self.tz, 'key', self.tz)}"
        seconds = self.every.total_seconds()
        if seconds < 3600:       # tests and trials use seconds or minutes
            return f"every {seconds:g} s" if seconds < 60 else f"every {seconds / 60:g} min"
        return f"every {seconds / 3600:g} hours"

    def next_slot(self, after: datetime, anchor: datetime | None = None) -> datetime:
        """The first slot strictly after `after` (UTC)."""
        if self.at is not None:
            day = after.astimezone(self.tz).date()
            for d in (day + timedelta(days=n) for n in (-1, 0, 1, 2)):
                slot = daily_slot(d, self.at, self.tz)
                if slot > after:
                    return slot
            raise AssertionError("no daily slot within two days")  # pragma: no cover
        anchor = after if anchor is None else anchor
        return anchor + ((after - anchor) // self.every + 1) * self.every

    def latest_slot(self, until: datetime, anchor: datetime | None = None) -> datetime:
        """The last slot at or before `until` (UTC)."""
        if self.at is not None:
            day = until.astimezone(self.tz).date()
            for d in (day + timedelta(days=n) for n in (1, 0, -1, -2)):
                slot = daily_slot(d, self.at, self.tz)
                if slot <= until:
                    return slot
            raise AssertionError("no daily slot within two days")  # pragma: no cover
        anchor = until if anchor is None else anchor
        return anchor + ((until - anchor) // self.every) * self.every

    def local(self, t: datetime) -> str:
        return t.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def plan_from_settings(settings) -> Plan:
    tz = ZoneInfo(settings.timezone)
    grace = timedelta(hours=settings.schedule_grace_hours)
    if settings.schedule_every_hours is not None:
        return Plan(tz=tz, every=timedelta(hours=settings.schedule_every_hours), grace=grace)
    hh, mm = (int(x) for x in (settings.schedule_at or "07:00").split(":"))
    return Plan(tz=tz, at=time(hh, mm), grace=grace)


@dataclass(frozen=True)
class Backoff:
    """Delays between retries of a failed run: first, first*factor, ... at most `cap`."""

    first: timedelta = timedelta(minutes=5)
    factor: float = 2.0
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempt: int) -> timedelta:
        """The wait before retry number `attempt` (1-based)."""
        return min(self.cap, self.first * self.factor ** (attempt - 1))
