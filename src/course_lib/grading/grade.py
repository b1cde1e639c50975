"""The autograder's public entry points, gathered from the modules that implement them.

``python -m course_lib grade SUBMISSIONS_DIR --lab labNN_slug`` (:mod:`~course_lib.grading.cli`).
By concern:

- :mod:`~course_lib.grading.lab`: the instructor's notebook, its graded cells and their checks;
  restoring locked cells in a submission;
- :mod:`~course_lib.grading.sandbox`, :mod:`~course_lib.grading.runner` and
  :mod:`~course_lib.grading.isolation`: executing a submission in a child process that cannot
  read the checkout, with limits, its own uid (as root) and the protocol's environment;
- :mod:`~course_lib.grading.scoring`: ran without error AND judged ok in the grader's process;
- :mod:`~course_lib.grading.references`: the ``uses_reference`` flag;
- :mod:`~course_lib.grading.gradebook` and :mod:`~course_lib.grading.feedback`: the outputs.

Why a plain subprocess rather than a Jupyter kernel (nbclient): a kernel costs a ZeroMQ session,
an ipykernel import and a heartbeat per notebook (about 1-2 s of start-up, more under load), where
the runner (standard library only) starts in well under 0.1 s of CPU plus the lab's own imports.
It ``exec``s each cell in one namespace, which is what a kernel does for code without IPython
magics. One process per submission keeps every submission's crash, exit or memory bomb its own.
"""

from __future__ import annotations

from course_lib.grading.cli import add_arguments, main, summary_lines
from course_lib.grading.feedback import feedback_markdown
from course_lib.grading.gradebook import gradebook_csv, write_outputs
from course_lib.grading.lab import GradeError, LabSpec, find_submissions, load_lab, restore_locked_cells
from course_lib.grading.scoring import STATUSES, grade_many, grade_submission

__all__ = ["add_arguments", "main", "summary_lines", "LabSpec", "GradeError", "load_lab", "find_submissions",
           "restore_locked_cells", "grade_submission", "grade_many", "write_outputs", "gradebook_csv",
           "feedback_markdown", "STATUSES"]
