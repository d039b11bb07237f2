"""How a course is delivered, said from the activities its version really
has (issue 15, item 6: "the conditions say how the course is delivered").

Pure: the caller says what the version holds. Lessons and the quiz are known
here; classroom sessions, on-the-job tasks and the manager's evaluation live
in packages above the catalogue (classroom, evaluations), which pass them as
flags when they exist.
"""
from __future__ import annotations

from dataclasses import dataclass

from lms.msgids import N_

# The ways of learning a version offers, in the order they are shown, with their msgids
# (not the mode of training, lms.enums.DELIVERY_MODES, which sums them up in one word).
WAYS_OF_LEARNING = {
    "online": N_("Online learning"),
    "classroom": N_("Classroom sessions"),
    "on_the_job": N_("On-the-job practice"),
    "manager_evaluation": N_("Final evaluation by the learner's manager"),
}


@dataclass(frozen=True)
class Delivery:
    modes: tuple[str, ...]

    @property
    def labels(self) -> list[str]:
        """The msgids of the modes (templates translate them)."""
        return [WAYS_OF_LEARNING[m] for m in self.modes]

    @property
    def blended(self) -> bool:
        """More than one way of learning (the evaluation is not one)."""
        return len([m for m in self.modes if m != "manager_evaluation"]) > 1


def delivery(*, lessons: int = 0, quiz: bool = False, sessions: int = 0, tasks: int = 0,
             manager_evaluation: bool = False) -> Delivery:
    modes = []
    if lessons or quiz:
        modes.append("online")
    if sessions:
        modes.append("classroom")
    if tasks:
        modes.append("on_the_job")
    if manager_evaluation:
        modes.append("manager_evaluation")
    return Delivery(tuple(modes))


def version_delivery(version, *, sessions: int = 0) -> Delivery:
    """The delivery of a course version: its lessons, quiz, on-the-job tasks and
    manager evaluation, and classroom sessions when it requires some or the
    classroom package shows some scheduled (`sessions`)."""
    return delivery(lessons=len(version.lessons), quiz=version.quiz is not None,
                    sessions=max(sessions, version.required_sessions or 0), tasks=len(version.tasks),
                    manager_evaluation=version.evaluation is not None)
