"""Dates as news carries them, to ISO ``YYYY-MM-DD``: meta values (``2023-03-05T10:25:00+08:00``), visible
datelines (``2023年3月5日 09:30``, ``2023/03/05``), feed dates (``Sun, 05 Mar 2023 10:25:00 +0800``), archive
columns; filter bounds (``2023``, ``2023-03``, ``2023-03-05``); and relative dates in a sentence (``今年``,
``上月``) written out against an article's date.

Nothing here guesses: a value that is not a whole, valid date (year, month and day) gives "".
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

__all__ = [
    "DATE_IN_TEXT",
    "annotate_relative_dates",
    "find_dates",
    "iso_date",
    "normalize_date",
    "parse_bound",
]

_CHINA = timezone(timedelta(hours=8))
_FIRST_YEAR = 1900
# a whole date in running text: 2023-03-05, 2023/3/5, 2023.03.05, 2023年3月5日, and Xinhua's split header
# "2023  03/05" (with an optional time after it)
DATE_IN_TEXT = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)"
    r"|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]|\s+(\d{2})/(\d{2})(?!\d))"
)
_TIME = re.compile(r"^\s*(?:[T\s])?\s*\d{1,2}[:：]\d{2}")
_ISO_DATETIME = re.compile(
    r"^\s*((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?\s*$"
)
_COMPACT = re.compile(r"^\s*((?:19|20)\d{2})(\d{2})(\d{2})(?:\d{4,6})?\s*$")  # 20230305, 20230305102500


def iso_date(year: int, month: int, day: int) -> str:
    """``YYYY-MM-DD`` for a real calendar date from 1900 to next year, else ""."""
    if not _FIRST_YEAR <= year <= date.today().year + 1 or not 1 <= month <= 12:
        return ""
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


def _from_datetime(moment: datetime) -> str:
    """The date of ``moment`` as written; a UTC time is read in China Standard Time (UTC+8), the zone of the news
    this reads, so that ``2023-03-04T16:30Z`` is the 5 March edition."""
    offset = moment.utcoffset()
    if offset is not None and offset == timedelta(0):
        moment = moment.astimezone(_CHINA)
    return iso_date(moment.year, moment.month, moment.day)


def normalize_date(value: object) -> str:
    """ISO date of a meta, feed or archive value ("" when it is not a whole valid date). Takes ISO dates and
    datetimes (any offset), ``2023/3/5``, ``2023.03.05``, ``2023年3月5日``, ``20230305``, RFC 2822 (feeds),
    Unix timestamps (seconds or milliseconds, as numbers), ``datetime`` and ``date`` objects."""
    if isinstance(value, datetime):
        return _from_datetime(value)
    if isinstance(value, date):
        return iso_date(value.year, value.month, value.day)
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return _from_datetime(datetime.fromtimestamp(seconds, tz=UTC))
        except (OverflowError, OSError, ValueError):
            return ""
    if not isinstance(value, str) or not value.strip():
        return ""
    text = value.strip()
    m = _ISO_DATETIME.match(text.replace("/", "-"))
    if m:
        day = iso_date(int(m[1]), int(m[2]), int(m[3]))
        if day and m[7] in ("Z", "+00:00", "+0000", "-00:00") and m[4] is not None and int(m[4]) < 24:
            return _from_datetime(datetime.fromisoformat(f"{day}T{int(m[4]):02d}:{m[5]}:00+00:00"))
        return day
    m = _COMPACT.match(text)
    if m:
        return iso_date(int(m[1]), int(m[2]), int(m[3]))
    found = find_dates(text)
    if found and DATE_IN_TEXT.match(text.lstrip()):
        return found[0][0]
    try:
        return _from_datetime(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError, OverflowError):
        return ""


def find_dates(text: str) -> list[tuple[str, int, int, bool]]:
    """Every whole date in ``text``: (ISO date, start, end, whether a clock time follows it)."""
    out = []
    for m in DATE_IN_TEXT.finditer(text):
        month, day = next((m[i], m[i + 1]) for i in (2, 4, 6) if m[i] is not None)
        iso = iso_date(int(m[1]), int(month), int(day))
        if iso:
            out.append((iso, m.start(), m.end(), bool(_TIME.match(text[m.end() : m.end() + 8]))))
    return out


_BOUND = re.compile(r"^\s*(\d{4})(?:\s*[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]?\s*(\d{1,2})\s*[日号]?)?)?\s*$")


def parse_bound(value: str, *, end: bool) -> str:
    """A filter bound as an ISO date: ``2023`` (the year), ``2023-03`` (the month) or ``2023-03-05``; with
    ``end`` the last day of a year or month, else the first. ``ValueError`` for anything else."""
    m = _BOUND.match(value or "")
    if not m:
        raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD, YYYY-MM or YYYY)")
    year = int(m[1])
    if m[2] is None:
        month, day = (12, 31) if end else (1, 1)
    else:
        month = int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(f"not a date: {value!r} (month {month})")
        day = int(m[3]) if m[3] is not None else (calendar.monthrange(year, month)[1] if end else 1)
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"not a date: {value!r} (day {day})")
    return f"{year:04d}-{month:02d}-{day:02d}"


# relative dates -------------------------------------------------------------------------------------------

_RELATIVE = re.compile(
    r"(今年|去年|前年|明年|本月|上月|上个月|上個月|下月|下个月|下個月|今天|今日|昨天|昨日|前天|明天|明日)(?![（(])"
)


def _shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    n = year * 12 + (month - 1) + by
    return n // 12, n % 12 + 1


def _resolve(word: str, day: date) -> str:
    years = {"今年": 0, "去年": -1, "前年": -2, "明年": 1}
    if word in years:
        return f"{day.year + years[word]}年"
    months = {"本月": 0, "上月": -1, "上个月": -1, "上個月": -1, "下月": 1, "下个月": 1, "下個月": 1}
    if word in months:
        year, month = _shift_month(day.year, day.month, months[word])
        return f"{year}年{month}月"
    days = {"今天": 0, "今日": 0, "昨天": -1, "昨日": -1, "前天": -2, "明天": 1, "明日": 1}
    moved = day + timedelta(days=days[word])
    return f"{moved.year}年{moved.month}月{moved.day}日"


def annotate_relative_dates(text: str, published: str) -> str:
    """``text`` with each relative date followed by what it meant on ``published`` (ISO): ``今年底`` of an
    article of 2015-09-28 reads ``今年（2015年）底``; ``text`` unchanged when ``published`` is ""."""
    try:
        day = date.fromisoformat(published)
    except (TypeError, ValueError):
        return text
    return _RELATIVE.sub(lambda m: f"{m[0]}（{_resolve(m[0], day)}）", text)
