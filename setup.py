"""Build hook: put the released labs (labs/labNN_*.ipynb) into the wheel as course_lib/released_labs/.

Everything else is in pyproject.toml. The labs stay in one place in the repository (labs/, generated
from solutions/ by `make release`); `course check` reads the copy inside an installed wheel.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithLabs(build_py):
    def run(self) -> None:
        super().run()
        labs = sorted((HERE / "labs").glob("lab*.ipynb"))
        if not labs:
            raise SystemExit("setup.py: no labs/lab*.ipynb to ship; run `make release` first")
        target = Path(self.build_lib) / "course_lib" / "released_labs"
        target.mkdir(parents=True, exist_ok=True)
        for lab in labs:
            shutil.copyfile(lab, target / lab.name)


setup(cmdclass={"build_py": BuildPyWithLabs})
