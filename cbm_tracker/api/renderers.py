"""orjson for JSON (scorecards are big), CSV for exports."""

import decimal

import orjson
from rest_framework import exceptions, parsers
from rest_framework.renderers import BaseRenderer

from measures.reads.csv import csv_text


def _default(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "__str__"):
        return str(value)  # lazy translation strings, UUIDs
    raise TypeError


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)


class CSVRenderer(BaseRenderer):
    """Renders ``{"columns": [...], "rows": [[...], ...]}`` (see measures/api/exports.py);
    any other payload (an error body) is written as key,value lines."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and "columns" in data and "rows" in data:
            text = csv_text(data["rows"], data["columns"])
        elif isinstance(data, dict):
            text = csv_text([(str(key), str(value)) for key, value in data.items()])
        else:
            text = ""
        return text.encode("utf-8")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with a nesting too deep to decode (``{"a": {"a": ...``
    thousands deep) refused as a parse error: ``json`` raises RecursionError,
    which DRF lets through as a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
