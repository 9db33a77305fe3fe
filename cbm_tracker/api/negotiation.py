"""Content negotiation: an unknown ``?format=`` is a 400 naming ``format``
(DRF answers 404, as if the resource did not exist)."""

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404:
            formats = ", ".join(sorted({r.format for r in renderers}))
            raise ValidationError(
                {
                    self.settings.URL_FORMAT_OVERRIDE: [
                        _("Unknown format; this resource answers in: %(formats)s.")
                        % {"formats": formats}
                    ]
                }
            ) from None
