"""Survey responses template CSV -> core.survey_responses (see settings.py for the columns)."""

from __future__ import annotations

from collections.abc import Hashable

from connectors.base import ParsedExport, SurveyResponseRecord
from connectors.surveys import settings
from connectors.templates import TemplateFormat, TemplateRow, null_note


class SurveyResponsesTemplate(TemplateFormat):
    """CSAT and NPS responses, one per survey and response id."""

    name = "survey_responses_template"
    required = frozenset(settings.COLUMNS)

    def add(self, row: TemplateRow, seen: dict[Hashable, int], out: ParsedExport) -> None:
        for name in ("survey_id", "response_id"):
            if not row.cell(name):
                raise row.error(name, "empty: every response needs a survey id and a response id")
        kind = row.cell("kind").casefold()
        if kind not in settings.KINDS:
            raise row.error("kind", f"kind must be csat or nps, not {row.cell('kind')!r}")
        scale_max = row.number("scale_max")
        if scale_max is None or scale_max <= 0:
            raise row.error("scale_max", f"scale_max must be a positive number, not {row.cell('scale_max')!r}")
        if kind == "nps" and scale_max != settings.NPS_SCALE_MAX:
            raise row.error("scale_max", f"NPS is scored 0-10: scale_max must be 10, not {scale_max:g}")
        score = row.number("score")
        if score is not None:
            if not 0 <= score <= scale_max:
                raise row.error("score", f"score {score:g} is outside 0..{scale_max:g}")
            if kind == "nps" and not score.is_integer():
                raise row.error("score", f"an NPS score is a whole number 0-10, not {score:g}")
        response = SurveyResponseRecord(
            survey_id=row.cell("survey_id"),
            response_id=row.cell("response_id"),
            responded_at=row.timestamp("responded_at"),
            kind=kind,
            score=score,
            scale_max=scale_max,
        )
        row.first_of(seen, (response.survey_id, response.response_id), "response_id",
                     f"response {response.response_id} of survey {response.survey_id}")
        out.survey_responses.append(response)

    def finish(self, out: ParsedExport) -> None:
        out.notes += null_note(out.survey_responses, "score", "responses")


EXPORT_FORMATS: tuple[SurveyResponsesTemplate, ...] = (SurveyResponsesTemplate(),)
