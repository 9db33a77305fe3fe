from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (default 50; above 1000 is capped at 1000).

    A malformed page or page size is a 400, not a silent fallback to the
    default; a well-formed page past the end is a 404, as in DRF.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        well_formed = raw is None or raw in self.last_page_strings or _whole(raw) >= 1
        if not well_formed:
            raise ValidationError({"page": [_("A whole number from 1, or last.")]})
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = _whole(raw)
        if size < 1:
            raise ValidationError({"page_size": [_("A whole number from 1 to 1000.")]})
        return min(size, self.max_page_size)


def _whole(raw):
    """The ASCII whole number in ``raw``, or 0 (``int()`` would also take "²")."""
    return int(raw) if raw.isascii() and raw.isdigit() else 0
