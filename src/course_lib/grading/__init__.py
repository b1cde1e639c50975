"""Lab tooling: ``release`` (solutions/ -> labs/), ``check-sync`` and the autograder."""

from course_lib.grading.release import ReleaseError, check_sync, release_all, release_notebook

__all__ = ["ReleaseError", "check_sync", "release_all", "release_notebook"]
