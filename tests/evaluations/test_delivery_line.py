"""The course page says how the course is delivered from what its version
really holds: tasks, the manager's evaluation and required sessions too."""
from __future__ import annotations

from tests.evaluations.conftest import make_activity_course
from tests.web.helpers import text


def test_the_delivery_line_names_tasks_the_evaluation_and_required_sessions(app, build):
    build(lambda s: make_activity_course(s, "DL-1", tasks=True, evaluation=True, completion="sessions = 1"))
    client = app.test_client()
    client.post("/auth/language", data={"language": "en"})
    conditions = text(client.get("/courses/DL-1")).split('data-term="conditions"')[1].split("</section>")[0]
    line = conditions.split('<p class="delivery">')[1].split("</p>")[0]
    assert line == ("Delivery: Online learning · Classroom sessions · On-the-job practice · "
                    "Final evaluation by the learner's manager")
