"""The reproducible experiments behind the book's figures.

Each experiment is a function ``run(config) -> dict`` registered with :func:`experiment` in a
submodule of this package. ``python -m course_lib experiment NAME [--full] [--device cuda]`` runs it
and writes ``book/_static/results/NAME.json`` (+ ``.png`` where it draws one) with the device, the
time taken, the seed and the git commit, so that a chapter can plot the saved full run next to a
small live run.
"""

from course_lib.experiments.registry import EXPERIMENTS, Experiment, experiment, get_experiment
from course_lib.experiments.results import load_results, results_dir, save_results

__all__ = [
    "EXPERIMENTS",
    "Experiment",
    "experiment",
    "get_experiment",
    "load_results",
    "results_dir",
    "save_results",
]
