"""The current request's id, for audit records and log lines.

Set by cbm_tracker.middleware.RequestIdMiddleware; empty in tasks and
commands. Kept apart from the models so that logging can use it at start-up.
"""

import contextvars

request_id_var = contextvars.ContextVar("cbm_request_id", default="")
