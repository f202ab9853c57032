"""Survey responses template CSV -> core.survey_responses (see settings.py for the columns)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from connectors.base import ExportContext, ExportFileError, ParsedExport, SurveyResponseRecord
from connectors.surveys import settings
from connectors.tables import Sheets, find_header_row, records
from connectors.values import is_placeholder, parse_number

_ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ].+)?")


class SurveyResponsesTemplate:
    """The documented survey responses template, recognised by its header."""

    name = "survey_responses_template"

    def recognise(self, sheets: Sheets) -> bool:
        return any(find_header_row(rows, set(settings.COLUMNS), search=3) is not None
                   for rows in sheets.values())

    def parse(self, sheets: Sheets, ctx: ExportContext) -> ParsedExport:
        out = ParsedExport(format=self.name)
        for rows in sheets.values():
            header_index = find_header_row(rows, set(settings.COLUMNS), search=3)
            if header_index is None:
                continue
            header, data = records(rows, header_index)
            columns = {name.casefold(): name for name in header}
            seen: dict[tuple[str, str], int] = {}
            for row_number, record in data:
                response = _Row(ctx, row_number, record, columns).response()
                key = (response.survey_id, response.response_id)
                if key in seen:
                    raise ExportFileError(ctx.path, f"response {response.response_id} of survey "
                                          f"{response.survey_id} is already on row {seen[key]}",
                                          row=row_number, column=columns["response_id"])
                seen[key] = row_number
                out.survey_responses.append(response)
            extra = [name for name in header if name and name.casefold() not in settings.COLUMNS]
            if extra:
                out.notes.append(f"ignored columns not in the template: {extra}")
            break
        unanswered = sum(1 for response in out.survey_responses if response.score is None)
        if unanswered:
            out.notes.append(f"{unanswered} responses without a score (kept with score NULL)")
        return out


@dataclass(frozen=True)
class _Row:
    """One data row, with errors that name the file row and the template column."""

    ctx: ExportContext
    row: int
    record: dict[str, str]
    columns: dict[str, str]  # template column -> header as written

    def cell(self, name: str) -> str:
        return self.record[self.columns[name]].strip()

    def error(self, name: str, reason: str) -> ExportFileError:
        return ExportFileError(self.ctx.path, reason, row=self.row, column=self.columns[name])

    def number(self, name: str) -> float | None:
        try:
            return parse_number(self.cell(name))
        except ValueError as exc:
            raise self.error(name, str(exc)) from exc

    def timestamp(self, name: str) -> dt.datetime | None:
        """ISO 8601 date or date-time as UTC; without an offset it is local time in ctx.timezone."""
        text = self.cell(name)
        if is_placeholder(text):
            return None
        try:
            if not _ISO_TIMESTAMP.fullmatch(text):
                raise ValueError(text)
            moment = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            raise self.error(name, f"not an ISO 8601 date or date-time: {text!r}") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(self.ctx.timezone))
        return moment.astimezone(dt.UTC)

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
