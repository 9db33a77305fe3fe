from rest_framework.permissions import BasePermission

from measures.access import viewer_for


class CanRead(BasePermission):
    """Who may call the API at all: anyone the visibility rule lets read.

    Anonymous callers get 401 unless CBM_PUBLIC_READ is on (then they read
    as public-clearance readers, and writes still need a login). What each
    caller may see and write is decided by the querysets and the services.
    """

    def has_permission(self, request, view):
        if request.method not in ("GET", "HEAD", "OPTIONS") and not request.user.is_authenticated:
            return False
        return viewer_for(request.user).can_read
