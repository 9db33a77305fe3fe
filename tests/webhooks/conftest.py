import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def pushed(django_capture_on_commit_callbacks, review_off):
    """Run a write as the running site does: its commit wakes the webhooks
    (tasks run in-process in the tests)."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run
