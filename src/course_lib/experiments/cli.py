"""``python -m course_lib experiment NAME [--full] [--device D] [--out DIR] [--lang ko]``, and
``python -m course_lib experiment replot NAME [NAME ...] [--lang ko] [--out DIR]`` to redraw saved
figures without training (:mod:`course_lib.experiments.replot`).

``--lang ko`` draws an experiment's figure in Korean (the diagrams: a config with a ``lang`` field) and
saves it as ``NAME.ko.png`` (with ``NAME.ko.json``), which the Korean edition shows in place of ``NAME.png``.
"""

from __future__ import annotations

import argparse
import sys
import time

from course_lib.experiments.registry import discover, get_experiment
from course_lib.experiments.results import save_results
from course_lib.plotting.labels import LANGUAGES
from course_lib.utils import get_device


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", help="experiment to run (omit with --list), or 'replot'")
    p.add_argument("figures", nargs="*", help="with replot: the saved results to redraw ('all': every figure)")
    p.add_argument("--list", action="store_true", help="list the experiments")
    p.add_argument("--full", action="store_true", help="run the full configuration behind the book's figure")
    p.add_argument("--device", default=None, help="cpu, cuda or mps (default: best available)")
    p.add_argument("--out", default=None, help="results folder (default: book/_static/results)")
    p.add_argument("--lang", default=None, choices=LANGUAGES,
                   help="language of the figure's words, saved as NAME.ko.png for ko (replot: default ko; "
                        "an experiment: default en, ko only for those with a lang option)")


def main(args: argparse.Namespace) -> int:
    if args.list or not args.name:
        for name, exp in sorted(discover().items()):
            print(f"{name:28s} {exp.description}")
        return 0
    if args.name == "replot":
        from course_lib.experiments import replot

        if not args.figures:
            print(f"replot what? saved figures: {' '.join(sorted(replot.REPLOTS))} (or all)")
            return 2
        return replot.main(args.figures, args.lang or "ko", args.out)
    if args.figures:
        print(f"unexpected arguments after {args.name}: {args.figures}")
        return 2
    exp = get_experiment(args.name)
    config = exp.full() if args.full else exp.small()
    if hasattr(config, "device"):
        config.device = str(get_device(args.device))
    lang = getattr(args, "lang", None) or "en"
    if hasattr(config, "lang"):
        config.lang = lang
    elif lang != "en":
        print(f"{args.name} has no --lang option: its figure is drawn in English only", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    results = exp.run(config)
    wall = time.perf_counter() - t0
    figure = results.pop("figure", None)
    name = args.name + ("" if args.full else "_small") + ("" if lang == "en" else f".{lang}")
    path = save_results(name, config, results,
                        device=getattr(config, "device", None), seed=getattr(config, "seed", None),
                        wall_time=wall, figure=figure, directory=args.out)
    print(f"{args.name}: {wall:.1f} s -> {path}")
    return 0
