"""Survey responses template CSV -> core.survey_responses (see settings.py for the columns)."""

from __future__ import annotations

from collections.abc import Hashable

from connectors.base import ExportContext, ParsedExport, SurveyResponseRecord
from connectors.surveys import settings
from connectors.tables import Sheets
from connectors.templates import TemplateFormat, TemplateRow, template_rows


class SurveyResponsesTemplate(TemplateFormat):
    """The documented survey responses template, recognised by its header."""

    name = "survey_responses_template"
    required = frozenset(settings.COLUMNS)

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        out = ParsedExport(format=self.name)
        seen: dict[Hashable, int] = {}
        for row in template_rows(sheets, settings.COLUMNS, ctx, out):
            response = _ResponseRow(row.ctx, row.row, row.record, row.columns).response()
            row.first_of(seen, (response.survey_id, response.response_id), "response_id",
                         f"response {response.response_id} of survey {response.survey_id}")
            out.survey_responses.append(response)
        unanswered = sum(1 for response in out.survey_responses if response.score is None)
        if unanswered:
            out.notes.append(f"{unanswered} responses without a score (kept with score NULL)")
        return out


class _ResponseRow(TemplateRow):
    def response(self) -> SurveyResponseRecord:
        for name in ("survey_id", "response_id"):
            if not self.cell(name):
                raise self.error(name, "empty: every response needs a survey id and a response id")
        kind = self.cell("kind").casefold()
        if kind not in settings.KINDS:
            raise self.error("kind", f"kind must be csat or nps, not {self.cell('kind')!r}")
        scale_max = self.number("scale_max")
        if scale_max is None or scale_max <= 0:
            raise self.error("scale_max",
                             f"scale_max must be a positive number, not {self.cell('scale_max')!r}")
        if kind == "nps" and scale_max != settings.NPS_SCALE_MAX:
            raise self.error("scale_max", f"NPS is scored 0-10: scale_max must be 10, not {scale_max:g}")
        score = self.number("score")
        if score is not None:
            if not 0 <= score <= scale_max:
                raise self.error("score", f"score {score:g} is outside 0..{scale_max:g}")
            if kind == "nps" and not score.is_integer():
                raise self.error("score", f"an NPS score is a whole number 0-10, not {score:g}")
        return SurveyResponseRecord(
            survey_id=self.cell("survey_id"),
            response_id=self.cell("response_id"),
            responded_at=self.timestamp("responded_at"),
            kind=kind,
            score=score,
            scale_max=scale_max,
        )


EXPORT_FORMATS: tuple[SurveyResponsesTemplate, ...] = (SurveyResponsesTemplate(),)
