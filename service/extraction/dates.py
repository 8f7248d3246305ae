"""Time expressions inside a claim ("on Saturday", "In November", "last week", "on October 28") and their
resolution against the article's date: an ISO date, a month ("YYYY-MM"), or None. Never guessed: without an
article date only an expression that names its own year resolves.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, timedelta

WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
NUMBERS = {"one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}

_DAY = "|".join(calendar.day_name)
_MONTH = "|".join(sorted((m for m in MONTHS), key=len, reverse=True))
TIME_EXPRESSION = re.compile(
    rf"\b(?:"
    rf"(?P<md>(?:on\s+)?(?P<md_month>{_MONTH})\.?\s+(?P<md_day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<md_year>\d{{4}}))?)"
    rf"|(?P<dm>(?:on\s+)?(?P<dm_day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dm_month>{_MONTH})(?:\s+(?P<dm_year>\d{{4}}))?)"
    rf"|(?P<month>in\s+(?:early\s+|late\s+|mid-?)?(?P<month_name>{_MONTH})(?:\s+(?P<month_year>\d{{4}}))?)"
    rf"|(?P<weekday>(?:on\s+|last\s+)?(?P<weekday_name>{_DAY}))"
    rf"|(?P<today>today|yesterday)"
    rf"|(?P<last_week>last\s+week)"
    rf"|(?P<weeks_ago>(?P<weeks_n>\d|one|two|three|four|five|six|a)\s+weeks?\s+ago)"
    rf"|(?P<last_month>last\s+month)"
    rf")\b",
    re.I,
)
# Background inside a claim does not date it: "– a peninsula annexed by Moscow in 2014 –", "(...)".
ASIDES = re.compile(r"\s[–—-]\s[^–—]*?\s[–—-]\s|\([^)]*\)|\[[^\]]*\]")


@dataclass(frozen=True)
class TimeExpression:
    text: str
    resolved: str | None  # "YYYY-MM-DD", "YYYY-MM" or None


def find_time_expression(sentence: str, published: date | None) -> TimeExpression | None:
    """The first time expression outside asides, resolved against ``published`` where that allows it."""
    text = ASIDES.sub(lambda m: " " * len(m.group(0)), _unclosed_hidden(sentence))
    match = TIME_EXPRESSION.search(text)
    if not match:
        return None
    return TimeExpression(match.group(0), resolve(match, published))


def _unclosed_hidden(text: str) -> str:
    """A '(' or '[' after the last ')' or ']' opens no aside: it is hidden (same length, never a time expression),
    or each one would make the search for asides read the rest of the text again (quadratic time)."""
    for opening, closing in ("()", "[]"):
        end = text.rfind(closing) + 1
        text = text[:end] + text[end:].replace(opening, "\0")
    return text


def _days_before(published: date, days: int) -> date | None:
    """``published`` less some days; None before 1 January of year 1."""
    try:
        return published - timedelta(days=days)
    except OverflowError:
        return None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _month(year: int, month: int) -> str | None:
    """'YYYY-MM', None for a year out of the calendar's range."""
    return f"{year:04d}-{month:02d}" if MINYEAR <= year <= MAXYEAR else None


def _month_of_week(start: date | None) -> str | None:
    """A Monday-to-Sunday week resolves to its month only when the whole week lies in one month."""
    if start is None:
        return None
    end = start + timedelta(days=6)
    return f"{start:%Y-%m}" if (start.year, start.month) == (end.year, end.month) else None


def _latest_on_or_before(month: int, day: int, published: date) -> date | None:
    for year in (published.year, published.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= published:
            return candidate
    return None


def resolve(match: re.Match[str], published: date | None) -> str | None:
    groups = match.groupdict()
    for kind in ("md", "dm"):
        if groups[kind]:
            month = MONTHS[groups[f"{kind}_month"].lower()]
            day = int(groups[f"{kind}_day"])
            year = groups[f"{kind}_year"]
            try:
                if year:
                    return date(int(year), month, day).isoformat()
            except ValueError:
                return None
            found = _latest_on_or_before(month, day, published) if published else None
            return found.isoformat() if found else None
    if groups["month"]:
        month = MONTHS[groups["month_name"].lower()]
        if groups["month_year"]:
            return _month(int(groups["month_year"]), month)
        if not published:
            return None
        return _month(published.year if month <= published.month else published.year - 1, month)
    if not published:
        return None
    if groups["weekday"]:
        weekday = WEEKDAYS[groups["weekday_name"].lower()]
        back = (published.weekday() - weekday) % 7
        if groups["weekday"].lower().startswith("last") and back == 0:
            back = 7
        return _iso(_days_before(published, back))
    if groups["today"]:
        return _iso(_days_before(published, 1 if groups["today"].lower() == "yesterday" else 0))
    if groups["last_week"]:
        return _month_of_week(_days_before(published, published.weekday() + 7))
    if groups["weeks_ago"]:
        weeks = NUMBERS.get(groups["weeks_n"].lower()) or int(groups["weeks_n"])
        return _month_of_week(_days_before(published, published.weekday() + 7 * weeks))
    if groups["last_month"]:
        return _month(published.year - (published.month == 1), (published.month - 2) % 12 + 1)
    return None


def as_date(value: date | str | None) -> date | None:
    """An article date given as a date or an ISO string; None when absent or not a date."""
    if isinstance(value, date) or value is None:
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
