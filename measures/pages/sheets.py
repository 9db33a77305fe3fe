"""The spreadsheet round trip: download cells as XLSX or CSV, fill them
offline, upload the sheet, read the preview, apply it (docs/pages.md).

The preview carries the uploaded file to the apply step in a signed form
field (bound to the user, an hour at most, no larger than the import's
limit), and the apply step reads the file again from scratch: nothing the
preview concluded is trusted, and no upload is stored.
"""

import base64

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from measures import services
from measures.access import viewer_for
from measures.filtersets import CellFilterSet
from measures.models import Cell
from measures.reads import sheets
from measures.reads.labels import level_label
from measures.services.imports import ImportRefused
from measures.services.refusals import REFUSALS, add_to_form, refusal_of

from .common import readable

FORMATS = {
    "xlsx": (
        sheets.xlsx_bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "csv": (sheets.csv_bytes, "text/csv; charset=utf-8"),
}
TOKEN_MAX_AGE = 3600
COUNTED = {
    "new": "new",
    "reconfirm": "reconfirmation",
    "unchanged": "unchanged",
    "errors": "error",
}
OUTCOMES = {
    "unchanged": gettext_lazy("unchanged"),
    "new": gettext_lazy("new assessment"),
    "reconfirmation": gettext_lazy("reconfirmation"),
    "error": gettext_lazy("error"),
}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Filled sheet (XLSX or CSV)"),
        help_text=gettext_lazy("A sheet exported from this page, with its columns to fill filled."),
    )


@readable
@require_GET
def cells_export(request):
    """``?format=xlsx|csv``, ``?worklist=due|scope`` and the cell filters
    (country, measure, domain, level…): the chosen cells as a sheet to fill."""
    kind = request.GET.get("format", "xlsx")
    worklist = request.GET.get("worklist", "")
    if kind not in FORMATS or worklist not in ("", *sheets.WORKLISTS):
        return HttpResponseBadRequest(
            _("Give format=xlsx or csv, and worklist=due, scope or nothing."),
            content_type="text/plain; charset=utf-8",
        )
    filters = CellFilterSet(
        request.GET, queryset=Cell.objects.with_level(request.user), request=request
    )
    if not filters.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in filters.errors.items())
        return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
    cells = sheets.sheet_cells(request.user, filters.qs, worklist=worklist)
    write, content_type = FORMATS[kind]
    response = HttpResponse(write(sheets.sheet_rows(cells)), content_type=content_type)
    name = f"cells-{worklist or 'chosen'}-{timezone.localdate().isoformat()}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@readable
@require_http_methods(["GET", "POST"])
def cells_import(request):
    if not viewer_for(request.user).is_editor:
        raise PermissionDenied
    if request.method == "GET":
        return render_import(request, ImportForm())
    if "token" in request.POST:
        return apply_sheet(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_import(request, form, status=400)
    upload = form.cleaned_data["file"]
    data = upload.read(settings.CBM_IMPORT_MAX_BYTES + 1)
    try:
        preview = services.preview_import(request.user, data)
    except REFUSALS as exc:
        refusal = add_to_form(form, exc)
        return render_import(request, form, status=refusal.status)
    return render_import(request, ImportForm(), preview=preview, token=sign(request.user, data))


def apply_sheet(request):
    """The apply step: the same file, read and checked again, recorded in one transaction."""
    form = ImportForm()
    try:
        data = unsign(request.user, request.POST["token"])
    except signing.BadSignature:
        refused = [_("This preview has expired or was altered: upload the file again.")]
        return render_import(request, form, refused=refused, status=400)
    try:
        applied = services.apply_import(request.user, data)
    except ImportRefused as exc:
        refusal = refusal_of(exc)
        return render_import(
            request, form, preview=exc.preview, refused=refusal.messages, status=400
        )
    except REFUSALS as exc:
        refusal = refusal_of(exc)
        return render_import(request, form, refused=refusal.messages, status=refusal.status)
    if not applied.recorded and not applied.sent_for_review:
        messages.info(request, _("Nothing to record: every row is unchanged."))
    else:
        messages.success(
            request,
            _("Imported: %(recorded)s recorded, %(review)s sent for review.")
            % {"recorded": applied.recorded, "review": applied.sent_for_review},
        )
    return redirect(reverse("cells-import"))


def sign(user, data):
    payload = {"d": base64.b64encode(data).decode("ascii")}
    return signing.dumps(payload, salt=f"cells-import:{user.pk}", compress=True)


def unsign(user, token):
    if len(token) > 2 * settings.CBM_IMPORT_MAX_BYTES:
        raise signing.BadSignature("too long")
    payload = signing.loads(token, salt=f"cells-import:{user.pk}", max_age=TOKEN_MAX_AGE)
    return base64.b64decode(payload["d"])


def render_import(request, form, preview=None, token="", refused=(), status=200):
    rows = [
        {
            "row": row,
            "outcome": OUTCOMES[row.outcome],
            "current": level_label(row.cell.level) if row.cell is not None else "",
            "new": level_label(row.level) if row.level else "",
        }
        for row in (preview.rows if preview else ())
        # Unchanged rows are counted, not listed: a sheet of a whole scope
        # has hundreds, and the ones to check are those that would change.
        if row.outcome != "unchanged"
    ]
    context = {
        "form": form,
        "refused": refused,
        "preview": preview,
        "rows": rows,
        "token": token,
        "may_apply": bool(preview and preview.ok and preview.to_record and token),
        "max_kib": settings.CBM_IMPORT_MAX_BYTES // 1024,
        "max_rows": settings.CBM_IMPORT_MAX_ROWS,
        **{f"preview_{k}": preview.count(v) if preview else 0 for k, v in COUNTED.items()},
    }
    return render(request, "measures/cells_import.html", context, status=status)
