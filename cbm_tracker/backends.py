"""Django's model backend, loading a session's user together with their profile.

The profile's ``access`` snapshot is what measures.access builds the
Viewer from, so a page or API call under a session costs no query for it.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ProfileModelBackend(ModelBackend):
    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.select_related("cbm_profile")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
