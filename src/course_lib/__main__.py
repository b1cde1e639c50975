"""Command line: ``python -m course_lib`` (or ``course``)
``{check,release,check-sync,grade,experiment,bench,nb-outputs,device,lab-setup}``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from course_lib.grading.release import ReleaseError, check_sync, release_all


def _release(args: argparse.Namespace) -> int:
    try:
        written = release_all(args.solutions, args.labs, args.names or None)
    except ReleaseError as exc:
        print(f"release failed: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


def _check_sync(args: argparse.Namespace) -> int:
    problems = check_sync(args.solutions, args.labs)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"labs/ is out of sync with solutions/ ({len(problems)} problem(s)); run `make release`",
              file=sys.stderr)
        return 1
    print("labs/ is in sync with solutions/")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from course_lib.grading import grade

    return grade.main(args)


def _check(args: argparse.Namespace) -> int:
    from course_lib import selfcheck

    return selfcheck.main(args)


def _lab_setup(args: argparse.Namespace) -> int:
    from course_lib.labs import install_line, repository_from_config, set_install_line

    url, branch = repository_from_config(args.config)
    line = install_line(url, branch)
    for path in sorted(args.solutions.glob("lab*.ipynb")):
        if set_install_line(path, line):
            print(f"{path}: {line}")
    return _release(argparse.Namespace(solutions=args.solutions, labs=args.labs, names=None))


def _experiment(args: argparse.Namespace) -> int:
    from course_lib.experiments import cli

    return cli.main(args)


def _bench(args: argparse.Namespace) -> int:
    from course_lib.bench import discover

    benches = discover()
    unknown = set(args.names) - set(benches)
    if unknown:
        print(f"unknown bench {sorted(unknown)}; known: {sorted(benches)}", file=sys.stderr)
        return 2
    for name, fn in benches.items():
        if args.names and name not in args.names:
            continue
        t0 = time.perf_counter()
        print(f"== {name}")
        for line in fn():
            print("   " + line, flush=True)
        print(f"   ({time.perf_counter() - t0:.1f} s)")
    return 0


def _device(args: argparse.Namespace) -> int:
    import torch

    from course_lib.utils import get_device

    print(f"torch {torch.__version__}; device: {get_device()}")
    return 0


def _nb_outputs(args: argparse.Namespace) -> int:
    from course_lib.notebooks import refresh_checked_outputs

    for path in args.paths:
        print(f"{path}: executed in {refresh_checked_outputs(path):.1f} s; kept NBVAL_CHECK_OUTPUT outputs only")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="run your lab like the autograder (public tests) and print the score")
    from course_lib import selfcheck

    selfcheck.add_arguments(p)
    p.set_defaults(func=_check)

    p = sub.add_parser("release", help="generate labs/ from solutions/")
    p.add_argument("names", nargs="*", help="only these labs (e.g. lab00_warmup)")
    p.add_argument("--solutions", default="solutions")
    p.add_argument("--labs", default="labs")
    p.set_defaults(func=_release)

    p = sub.add_parser("check-sync", help="fail if labs/ differs from what release generates")
    p.add_argument("--solutions", default="solutions")
    p.add_argument("--labs", default="labs")
    p.set_defaults(func=_check_sync)

    p = sub.add_parser("grade", help="autograde a folder of submissions")
    from course_lib.grading import grade

    grade.add_arguments(p)
    p.set_defaults(func=_grade)

    p = sub.add_parser("experiment", help="run a book experiment and save its results")
    from course_lib.experiments import cli

    cli.add_arguments(p)
    p.set_defaults(func=_experiment)

    p = sub.add_parser("bench", help="print timings (make bench)")
    p.add_argument("names", nargs="*")
    p.set_defaults(func=_bench)

    p = sub.add_parser("nb-outputs", help="execute notebooks, keep only # NBVAL_CHECK_OUTPUT outputs")
    p.add_argument("paths", nargs="+")
    p.set_defaults(func=_nb_outputs)

    p = sub.add_parser("lab-setup", help="write _config.yml's repository into each lab's install line, release")
    p.add_argument("--config", type=Path, default=Path("_config.yml"))
    p.add_argument("--solutions", type=Path, default=Path("solutions"))
    p.add_argument("--labs", type=Path, default=Path("labs"))
    p.set_defaults(func=_lab_setup)

    p = sub.add_parser("device", help="print the device course_lib will use")
    p.set_defaults(func=_device)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
