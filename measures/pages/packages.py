"""The data package page: what the viewer's package holds, its citation, and
the download (the same zip as ``GET /api/v1/package/``)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from measures.reads import packages

from .common import read_as_of, readable


@readable
@require_GET
def data_package(request):
    as_of = read_as_of(request)
    citation = packages.cite(request.user, as_of=as_of)
    download = reverse("data-package-download")
    if as_of:
        download += f"?as_of={as_of.isoformat()}"
    return render(
        request,
        "measures/data_package.html",
        {"citation": citation, "as_of": as_of, "download": download, "current": "data-package"},
    )


@readable
@require_GET
def data_package_download(request):
    as_of = read_as_of(request)
    package = packages.build_package(request.user, as_of=as_of)
    response = HttpResponse(package.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{package.filename}"'
    return response
