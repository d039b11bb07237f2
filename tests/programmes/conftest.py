"""Programme tests. Until the certificates package lands (it subscribes to
events.programme_completed and issues the programme certificate), a hook with
no subscriber raises NoSubscriber: these tests connect a recorder instead,
which also lets them check the hook is raised exactly once per completion."""
from __future__ import annotations

import pytest

from lms import events


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, session, *, user_id: int, programme_id: int) -> None:
        self.calls.append((user_id, programme_id))


RECORDER = Recorder()


@pytest.fixture
def completed_events(app):
    events.programme_completed.connect(RECORDER)
    RECORDER.calls.clear()
    yield RECORDER.calls
    RECORDER.calls.clear()


from tests.orgs.fixtures import world  # noqa: E402,F401 - fixtures
