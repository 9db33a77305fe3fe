"""The data-quality report as a page for analysts (and editors and admins):
the same checks as ``manage.py check_data``, computed through the visibility
rule for the person looking, so nobody learns of a row they may not see."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from measures.access import viewer_for
from measures.choices import Role
from measures.reads import data_checks

from .common import Table, csv_download, readable

STAFF_ROLES = {Role.ANALYST, Role.EDITOR, Role.ADMIN}
# Rows listed per check on the page (the CSV holds them all).
ROWS_SHOWN = 100


@readable
def data_quality(request):
    if not (viewer_for(request.user).roles & STAFF_ROLES):
        raise PermissionDenied
    results = data_checks.run_checks(request.user)
    table = Table(
        "findings",
        ["check", "level", "row", "detail"],
        [(r.name, r.level, row["label"], row["detail"]) for r in results for row in r.rows],
        releases=[record for r in results for row in r.rows for record in row["of"]],
    )
    if response := csv_download(request, [table], "data-quality"):
        return response
    return render(
        request,
        "measures/data_quality.html",
        {
            "results": results,
            "errors": data_checks.failed_errors(results),
            "rows_shown": ROWS_SHOWN,
            "current": "data-quality",
        },
    )
