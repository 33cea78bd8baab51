"""Publish times: printed Chinese date/time text to ISO 8601 with offset.

The formats that matter are read with one linear regex (no dateparser start-up cost on the hot
path); dateparser is the fallback for machine-readable metadata values in other shapes.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from crawler.extract.page import replace_present
from crawler.extract.patterns import (
    DATE_TIME_RE,
    MONTH_DAY_TIME_RE,
    RELATIVE_DAY_TIME_RE,
    URL_DATE_RE,
    US_DATE_TIME_RE,
    YEAR_MONTH_RE,
    YEAR_RE,
)

CHINA = timezone(timedelta(hours=8))
PM_WORDS = frozenset({"下午", "晚上", "PM", "pm"})
AM_WORDS = frozenset({"AM", "am", "凌晨"})
EARLIEST_YEAR = 1990
# Full-width digits and punctuation to ASCII, one character for one, so that match positions
# in the folded text are positions in the printed text.
FULLWIDTH_FOLD = str.maketrans("０１２３４５６７８９：－．／\u3000", "0123456789:-./ ")
_FULLWIDTH_RE = re.compile("[０-９：－．／\u3000]")
_FOLD_CHARS = {chr(key): chr(value) for key, value in FULLWIDTH_FOLD.items()}
_CLOCK_RE = re.compile(r"\d[:：]\d")
_TWO_DAYS = timedelta(days=2)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class PublishTime:
    """A time read from the page: `iso` is normalised, `raw` the exact text it came from."""

    iso: str
    raw: str
    has_time: bool

    @property
    def day(self) -> str:
        return self.iso[:10]


def _valid(year: int, month: int, day: int, now: datetime | None) -> bool:
    try:
        value = date(year, month, day)
    except ValueError:
        return False
    return year >= EARLIEST_YEAR and value <= _latest_day(now)


def _latest_day(now: datetime | None) -> date:
    if now is not None:
        return now.date() + _TWO_DAYS
    # = datetime.now(UTC).date() + 2 days, from the epoch seconds: this runs for every date
    # matched, and building the datetime, the date and the timedelta cost several times more.
    return date.fromordinal(_EPOCH_ORDINAL + int(time.time() // 86400) + 2)


def _format(moment: datetime, with_seconds: bool) -> str:
    return moment.isoformat(timespec="seconds" if with_seconds else "minutes")


def match_to_time(
    match: re.Match[str], now: datetime | None = None, printed: str | None = None
) -> PublishTime | None:
    year, month, day = map(int, match.group("year", "month", "day"))
    if month > 12 and day <= 12 and "sep" not in match.re.groupindex:
        month, day = day, month  # 17/9/2004: day first
    if not _valid(year, month, day, now):
        return None
    raw = (printed if printed is not None else match.string)[match.start() : match.end()].strip()
    if match["hour"] is None:
        return PublishTime(date(year, month, day).isoformat(), raw, has_time=False)
    hour, minute = int(match["hour"]), int(match["minute"])
    second = int(match["second"]) if match["second"] else 0
    if match["ampm"] in PM_WORDS and hour < 12:
        hour += 12
    elif match["ampm"] in AM_WORDS and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        # The date is good even when the clock is not.
        return PublishTime(date(year, month, day).isoformat(), raw, has_time=False)
    moment = datetime(year, month, day, hour, minute, second, tzinfo=CHINA)
    return PublishTime(_format(moment, match["second"] is not None), raw, has_time=True)


def fold_fullwidth(text: str) -> str:
    """= `text.translate(FULLWIDTH_FOLD)`, faster (`replace_present`)."""
    return replace_present(text, _FULLWIDTH_RE, _FOLD_CHARS)


def find_times(text: str, now: datetime | None = None) -> list[tuple[int, PublishTime]]:
    """Every plausible date/time in `text`, with its position."""
    folded = fold_fullwidth(text)
    found = []
    for match in DATE_TIME_RE.finditer(folded):
        parsed = match_to_time(match, now, printed=text)
        if parsed:
            found.append((match.start(), parsed))
    if "/" in folded:  # every US date has slashes: most lines need no second scan
        us_found = len(found)
        for match in US_DATE_TIME_RE.finditer(folded):
            parsed = match_to_time(match, now, printed=text)
            if parsed:
                found.append((match.start(), parsed))
        if len(found) > us_found:
            # Each scan is in order already; a stable sort keeps the 年月日 match first on a tie.
            found.sort(key=lambda item: item[0])
    return found


def parse_time(text: str | None, now: datetime | None = None) -> PublishTime | None:
    """The first plausible date/time in a short text such as `2022-04-22 18:36:31 来源:映象网`."""
    if not text or not YEAR_RE.search(text):
        return None
    found = find_times(text, now)
    if found:
        # Prefer the first one that carries a clock time, else the first date.
        return next((item for _, item in found if item.has_time), found[0][1])
    month_only = YEAR_MONTH_RE.search(fold_fullwidth(text))
    if month_only:
        year, month = int(month_only["year"]), int(month_only["month"])
        if 1 <= month <= 12 and _valid(year, month, 1, now):
            raw = text[month_only.start() : month_only.end()]
            return PublishTime(f"{year:04d}-{month:02d}", raw, has_time=False)
    return None


def parse_machine_time(value: str | None, now: datetime | None = None) -> PublishTime | None:
    """A metadata value (`2022-04-22T18:36:31+08:00`, `2022-04-22 18:36`, RFC 2822 …)."""
    if not value:
        return None
    value = value.strip()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None:
        printed = parse_time(value, now)
        if printed:
            return printed
        import dateparser  # slow first call: only for values the fast paths cannot read

        moment = dateparser.parse(
            value, settings={"TIMEZONE": "Asia/Shanghai", "RETURN_AS_TIMEZONE_AWARE": True}
        )
        if moment is None:
            return None
    if not _valid(moment.year, moment.month, moment.day, now):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    has_time = bool(_CLOCK_RE.search(value))
    if not has_time:
        return PublishTime(moment.date().isoformat(), value, has_time=False)
    return PublishTime(_format(moment, moment.second != 0), value, has_time=True)


def parse_epoch(value: str | int | None) -> PublishTime | None:
    """Epoch seconds (`"1581517074"`, as script data prints them) in China time."""
    try:
        seconds = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    try:
        moment = datetime.fromtimestamp(seconds, CHINA)
    except (OverflowError, OSError, ValueError):
        return None
    if not _valid(moment.year, moment.month, moment.day, None):
        return None
    return PublishTime(_format(moment, True), str(value), has_time=True)


def yearless_time(text: str, reference: date) -> PublishTime | None:
    """A printed time without a year ("10-08 12:00", "昨天 14:20") read against the page's own
    timestamp: the year is the reference's, or the one before when the date would come after
    it; a relative day counts back from the reference day."""
    folded = fold_fullwidth(text)
    relative = RELATIVE_DAY_TIME_RE.search(folded)
    if relative:
        back = {"今天": 0, "昨天": 1, "前天": 2}[relative["day"]]
        day = reference - timedelta(days=back)
        match = relative
    else:
        match = MONTH_DAY_TIME_RE.search(folded)
        if not match:
            return None
        month, day_of_month = int(match["month"]), int(match["day"])
        try:
            day = date(reference.year, month, day_of_month)
            if day > reference + _TWO_DAYS:
                day = date(reference.year - 1, month, day_of_month)
        except ValueError:
            return None
    hour, minute = int(match["hour"]), int(match["minute"])
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)
    raw = text[match.start() : match.end()].strip()
    return PublishTime(_format(moment, False), raw, has_time=True)


def url_date(url: str) -> date | None:
    """The date printed in an article URL (a cross-check, not the answer)."""
    for match in URL_DATE_RE.finditer(url):
        year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


# The record value (schema 2): where a PublishTime becomes `published_at`.
_SECONDS_RE = re.compile(r"\d{2}:\d{2}:\d{2}")
_DATE_ONLY_RE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def published_value(iso: str) -> tuple[str, str]:
    """(published_at, published_precision) of a time as printed: `2022-04-22` (a day),
    `1998-03` (a month), `…T18:36+08:00` (a minute) or `…T18:36:31+08:00` (a second). A date
    without clock time is midnight China time."""
    if _DATE_ONLY_RE.match(iso):
        parts = iso.split("-")
        precision = "day" if len(parts) == 3 else "month"
        day = "-".join(([*parts, "01", "01"])[:3])
        return f"{day}T00:00:00+08:00", precision
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("time has no UTC offset")
    clock = iso.partition("T")[2] or iso.partition(" ")[2]
    precision = "second" if _SECONDS_RE.match(clock) else "minute"
    return moment.isoformat(timespec="seconds"), precision
