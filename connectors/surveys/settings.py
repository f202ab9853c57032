"""Survey responses template (docs/exports/templates.md, sample docs/templates/surveys.csv).

Survey tools (Typeform, SurveyMonkey, Google Forms, Qualtrics, Delighted, in-app NPS widgets)
export one row per response in their own layouts; people copy the scored answers here:

    survey_id,response_id,responded_at,kind,score,scale_max

- survey_id: the survey (or question) the score answers; with response_id it keys the row.
- response_id: the tool's response id (any text, unique within the survey).
- responded_at: ISO 8601 ("2026-03-04T14:05:00Z", "2026-03-04 14:05", "2026-03-04"); a time
  without offset is in the account's timezone. Empty = not known.
- kind: csat or nps.
- score: the answer, 0..scale_max; NPS scores are whole numbers 0..10. Empty = unanswered (NULL).
- scale_max: top of the scale (5 for a 1-5 CSAT, 10 for NPS).

KPIs (DESIGN "Customer"): csat = responses scoring in the top two points of their scale /
responses x100; nps = % promoters (9-10) - % detractors (0-6).
"""

from __future__ import annotations

COLUMNS: tuple[str, ...] = ("survey_id", "response_id", "responded_at", "kind", "score", "scale_max")
KINDS: tuple[str, ...] = ("csat", "nps")
NPS_SCALE_MAX = 10.0  # NPS is defined on 0..10 (promoters 9-10, detractors 0-6)
