"""The search page: what the header's search box finds, grouped by kind."""

from django.shortcuts import render

from measures.reads import search as searching
from measures.reads.labels import highest_marking

from .common import readable


@readable
def search(request):
    q = request.GET.get("q", "")
    groups, problem = [], None
    if "q" in request.GET:  # else the page only offers the form
        try:
            groups = searching.search(request.user, q)
        except searching.BadQuery as exc:
            problem = str(exc)
    return render(
        request,
        "measures/search.html",
        {
            "q": q[: searching.MAX_QUERY_LENGTH],
            "groups": groups,
            "problem": problem,
            "total": sum(g.count for g in groups),
            "limit": searching.LIMIT,
            "max_length": searching.MAX_QUERY_LENGTH,
            "page_marking": highest_marking([h.marking for g in groups for h in g.hits]),
        },
        status=400 if problem else 200,
    )
