"""English date formats for a worldwide audience: ISO-style numeric dates and a
24-hour clock, so 03/04 is never read as April by some and March by others.
Anything not set here falls back to Django's English formats."""

DATE_FORMAT = "j M Y"  # 28 Nov 2026
DATETIME_FORMAT = "j M Y H:i"  # 28 Nov 2026 14:30
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-11-28
SHORT_DATETIME_FORMAT = "Y-m-d H:i"  # 2026-11-28 14:30
FIRST_DAY_OF_WEEK = 1  # Monday
