"""Mentions template (docs/exports/templates.md, sample docs/templates/mentions.csv).

Social-listening tools (Brandwatch, Talkwalker, Meltwater, Mention, Sprout's listening, or a
count query on the X API) export mention counts in their own layouts; people copy the daily
counts into this template, one row per day, subject and platform:

    date,subject_id,platform,mentions

- date: YYYY-MM-DD, the day the mentions were published (the tool's reporting day).
- subject_id: a brand id or a competitor id from the config (share_of_voice compares them).
- platform: where the mentions were found, in lower case (x, instagram, facebook, tiktok,
  youtube, linkedin, reddit, news, web...). Aliases below are folded to the canonical names.
- mentions: count of mentions that day; empty or a placeholder (-, n/a) = not known (NULL).
"""

from __future__ import annotations

COLUMNS: tuple[str, ...] = ("date", "subject_id", "platform", "mentions")

# Platform spellings from listening tools -> the pipeline's platform names (core.accounts uses
# "x", not "twitter").
PLATFORM_ALIASES: dict[str, str] = {
    "twitter": "x",
    "twitter/x": "x",
    "x (twitter)": "x",
    "fb": "facebook",
    "ig": "instagram",
    "yt": "youtube",
    "linked in": "linkedin",
}
