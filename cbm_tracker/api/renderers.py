"""orjson for JSON (scorecards are big), CSV for exports."""

import csv
import decimal
import io

import orjson
from rest_framework import exceptions, parsers
from rest_framework.renderers import BaseRenderer

# A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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


def neutralise(value):
    """Keep a text cell from being run as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value


class CSVRenderer(BaseRenderer):
    """Renders ``{"columns": [...], "rows": [[...], ...]}`` (see measures/api/exports.py);
    any other payload (an error body) is written as key,value lines."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        writer = csv.writer(out)
        if isinstance(data, dict) and "columns" in data and "rows" in data:
            writer.writerow(data["columns"])
            for row in data["rows"]:
                writer.writerow([neutralise(v) for v in row])
        elif isinstance(data, dict):
            for key, value in data.items():
                writer.writerow([neutralise(str(key)), neutralise(str(value))])
        return out.getvalue().encode("utf-8")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with a nesting too deep to decode (``{"a": {"a": ...``
    thousands deep) refused as a parse error: ``json`` raises RecursionError,
    which DRF lets through as a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
