"""A project's own Python packages: the `requirements.txt` of a project, installed with pip into
a virtual environment of that project's, in which its kernels run.

The environment is layered on Datadive's own (the base: Jupyter, ipykernel, the scientific
stack, Datadive's kernel-side library): a `python -m venv --without-pip` of the base interpreter
whose site-packages holds a `.pth` line naming the base's site-packages. pip, run as that
environment's Python (`<env>/bin/python -m pip`, pip coming from the base), sees what the base
holds as installed and adds only what is missing, or a version the file asks for, in front of
the base's. (`venv --system-site-packages` does not layer: from a virtualenv it names the
system interpreter's packages, not the virtualenv's; `pip --target` copies every dependency
again, and an upgraded one on PYTHONPATH would shadow the server's own.)

An environment lives in `<root>/<project id>/<key>/`, the key a hash of the requirement lines,
the base interpreter and what it holds, and the pip options: an unchanged file is not
installed again; a changed one is installed into a new folder, and the old one removed once
the new one is complete (marked by `datadive-environment.json`, written last). Only the
project's server sees its environment, read-only, in the sandbox; pip itself runs in the
sandbox too, writing only to the environment being built (a package's build step runs code
from the internet).

Kernels start from the environment through a kernel spec named `python3` in
`<env>/share/jupyter/kernels/`, found first through JUPYTER_PATH: the Jupyter server itself
stays on the base, out of reach of what the file installs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import site
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from datadive.execution.backend import ServerNotStarted
from datadive.execution.sandbox import Sandbox

# Where a project's requirements are looked for, first found wins: a project file at the top
# level (files show under data/ in the workspace), or a file at the top of the workspace.
REQUIREMENTS_PLACES = ("data/requirements.txt", "requirements.txt")
MARKER = "datadive-environment.json"
KERNEL_NAME = "python3"
BASE_LINK = "_datadive_base.pth"
INSTALL_TIMEOUT_SECONDS = 15 * 60
MAX_REQUIREMENTS_BYTES = 64 * 1024

StepCallback = Callable[[str], Awaitable[None]]


class EnvironmentNotReady(ServerNotStarted):
    slug = "environment-not-ready"
    title = "The project's packages could not be installed"


@dataclass(frozen=True)
class RequirementLine:
    line: int  # 1-based, in the file
    text: str
    name: str  # canonical: pandas, scikit-learn


@dataclass(frozen=True)
class PipOptions:
    """How pip finds packages (settings `DATADIVE_PIP_*`): an index other than PyPI, a folder
    of wheels and sdists, or no index at all (with `find_links`: offline, as the tests run)."""

    index_url: str | None = None
    find_links: Path | None = None
    no_index: bool = False

    def arguments(self) -> list[str]:
        arguments = ["--no-index"] if self.no_index else []
        if self.index_url:
            arguments += ["--index-url", self.index_url]
        if self.find_links is not None:
            arguments += ["--find-links", str(self.find_links)]
        return arguments


def find_requirements(workspace: Path) -> Path | None:
    for place in REQUIREMENTS_PLACES:
        path = workspace / place
        if path.is_file() and not path.is_symlink():
            return path
    return None


def read_requirements(path: Path) -> list[RequirementLine]:
    """The requirement lines of `path`; EnvironmentNotReady naming the line of anything that is
    not a package (pip options, local paths, `-r` of another file are refused)."""
    if path.stat().st_size > MAX_REQUIREMENTS_BYTES:
        raise EnvironmentNotReady("requirements.txt is too large: list package names only.")
    text = path.read_text(encoding="utf-8", errors="replace")
    found: list[RequirementLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        if line.startswith("-"):
            raise EnvironmentNotReady(
                f"requirements.txt line {number}: pip options such as {line.split()[0]!r} "
                "are not supported here; list package names only, such as pandas or "
                "pandas>=2.0."
            )
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            raise EnvironmentNotReady(
                f"requirements.txt line {number}: {line!r} is not a package name "
                "(such as pandas or pandas>=2.0)."
            ) from None
        if requirement.url is not None and not requirement.url.startswith("https://"):
            raise EnvironmentNotReady(
                f"requirements.txt line {number}: only packages from the package index, or "
                "from an https:// address, can be installed; not local files."
            )
        found.append(RequirementLine(number, line, canonicalize_name(requirement.name)))
    return found


def base_site_packages() -> list[str]:
    """The base environment's package folders, which a project environment layers on."""
    return [path for path in site.getsitepackages() if Path(path).is_dir()]


def base_distributions() -> list[str]:
    """What the base environment holds (`pandas-2.2.3.dist-info` …): an upgraded base makes
    projects' environments anew, installed against what it holds now."""
    return sorted(
        entry.name
        for folder in base_site_packages()
        for entry in Path(folder).iterdir()
        if entry.name.endswith(".dist-info")
    )


def environment_key(requirements: Sequence[RequirementLine], options: PipOptions) -> str:
    described = {
        "requirements": [r.text for r in requirements],
        "python": sys.version,
        "base": base_site_packages(),
        "base_holds": base_distributions(),
        "pip": options.arguments(),
    }
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:16]


def packages_step(count: int) -> str:
    return f"Installing {count} package{'s' if count != 1 else ''} from requirements.txt…"


@dataclass(frozen=True)
class PreparedEnvironment:
    folder: Path

    @property
    def jupyter_path(self) -> str:
        """For JUPYTER_PATH: where the server finds the environment's `python3` kernel."""
        return str(self.folder / "share" / "jupyter")

    @property
    def python(self) -> Path:
        return self.folder / "bin" / "python"


@dataclass
class ProjectEnvironments:
    """Builds and keeps the environments of the projects of one Datadive data folder."""

    root: Path
    python: str = sys.executable
    pip: PipOptions = field(default_factory=PipOptions)
    sandbox: Sandbox | None = None

    async def prepare(
        self,
        project_id: str,
        workspace: Path,
        *,
        environment: Mapping[str, str],
        on_step: StepCallback | None = None,
    ) -> PreparedEnvironment | None:
        """The project's environment, installed first if its requirements.txt changed; None
        when the project has no requirements (its kernels run on the base). `environment`:
        the variables pip runs with (no secrets: a package's build step runs in it)."""
        found = find_requirements(workspace)
        requirements = read_requirements(found) if found is not None else []
        folder = self.root / project_id
        if not requirements:
            await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)
            return None
        target = folder / environment_key(requirements, self.pip)
        if (target / MARKER).is_file():
            return PreparedEnvironment(target)
        if on_step is not None:
            await on_step(packages_step(len(requirements)))
        folder.mkdir(parents=True, exist_ok=True)
        async with self._locked(folder):
            if not (target / MARKER).is_file():
                await self._build(target, requirements, environment)
            for old in folder.iterdir():  # a changed file's environments
                if old.is_dir() and old != target:
                    await asyncio.to_thread(shutil.rmtree, old, ignore_errors=True)
        return PreparedEnvironment(target)

    @contextlib.asynccontextmanager
    async def _locked(self, folder: Path) -> AsyncIterator[None]:
        """One build of a project's environment at a time, across Datadive processes too."""
        with (folder / ".lock").open("w") as lock:
            await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
            yield

    async def _build(
        self, target: Path, requirements: Sequence[RequirementLine], environment: Mapping[str, str]
    ) -> None:
        await asyncio.to_thread(shutil.rmtree, target, ignore_errors=True)  # a partial one
        try:
            await self._run([self.python, "-m", "venv", "--without-pip", str(target)], environment)
            packages = next((target / "lib").glob("python*/site-packages"))
            (packages / BASE_LINK).write_text("\n".join(base_site_packages()) + "\n")
            listed = target / "requirements.txt"
            listed.write_text("".join(f"{r.text}\n" for r in requirements))
            pip = [
                str(target / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--progress-bar",
                "off",
                *self.pip.arguments(),
                "-r",
                str(listed),
            ]
            scratch = target / ".pip-tmp"
            if self.sandbox is not None:
                readable = [self.pip.find_links] if self.pip.find_links is not None else []
                # pip unpacks into TMPDIR: on disk, not the sandbox's /tmp in memory (a large
                # wheel would take its size in RAM).
                scratch.mkdir()
                pip = [
                    *self.sandbox.prefix(None, writable=[target], read_only=readable),
                    shutil.which("env") or "/usr/bin/env",
                    f"TMPDIR={scratch}",
                    *pip,
                ]
            code, output = await self._run(pip, environment, check=False, cwd=target)
            await asyncio.to_thread(shutil.rmtree, scratch, ignore_errors=True)
            if code != 0:
                raise EnvironmentNotReady(explain_pip_failure(output, requirements))
            write_kernel_spec(target)
            marker = {
                "requirements": [r.text for r in requirements],
                "installed_at": datetime.now(UTC).isoformat(),
            }
            (target / MARKER).write_text(json.dumps(marker))
        except BaseException:
            await asyncio.shield(asyncio.to_thread(shutil.rmtree, target, ignore_errors=True))
            raise

    async def _run(
        self,
        command: list[str],
        environment: Mapping[str, str],
        *,
        check: bool = True,
        cwd: Path | None = None,
    ) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            *command,
            env=dict(environment),
            cwd=cwd or self.root,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            output, _ = await asyncio.wait_for(process.communicate(), INSTALL_TIMEOUT_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise EnvironmentNotReady(
                "Installing the packages of requirements.txt took more than "
                f"{INSTALL_TIMEOUT_SECONDS // 60} minutes and was stopped."
            ) from None
        finally:
            if process.returncode is None:  # cancelled: never leave pip running
                process.kill()
                await process.wait()
        said = output.decode(errors="replace")
        if check and process.returncode != 0:
            raise EnvironmentNotReady(f"The project's environment could not be made: {said[-300:]}")
        return process.returncode or 0, said


def write_kernel_spec(target: Path) -> None:
    spec = target / "share" / "jupyter" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    python = str(target / "bin" / "python")
    kernel = {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "metadata": {"debugger": True},
    }
    (spec / "kernel.json").write_text(json.dumps(kernel, indent=1))


NOT_FOUND = re.compile(
    r"Could not find a version that satisfies the requirement (?P<spec>\S+)"
    # "(from -r requirements.txt (line 2))" or "(from a->b)" may come before the versions
    r"(?: \(from (?!versions:)(?:[^()]|\([^()]*\))*\))?"
    r"(?: \(from versions: (?P<versions>[^)]*)\))?"
)


def explain_pip_failure(output: str, requirements: Sequence[RequirementLine]) -> str:
    """What went wrong, for a researcher: the package and its line, never pip's traceback."""
    lines = {r.name: r for r in requirements}
    found = NOT_FOUND.search(output)
    if found is not None:
        spec = found["spec"]
        try:
            name: str = canonicalize_name(Requirement(spec).name)
        except InvalidRequirement:
            name = spec
        listed = lines.get(name)
        where = (
            f"requirements.txt line {listed.line}"
            if listed is not None
            else "needed by a package in requirements.txt"
        )
        versions = (found["versions"] or "none").strip()
        if versions == "none":
            return f"No package named '{name}' ({where}); check the spelling on pypi.org."
        shown = ", ".join(v.strip() for v in versions.split(",")[-5:])
        asked = listed.text if listed is not None else spec
        return f"No version of '{name}' matches '{asked}' ({where}); available: {shown}."
    if re.search(r"NewConnectionError|Temporary failure in name resolution|ConnectTimeout", output):
        return (
            "The package index could not be reached to install requirements.txt; "
            "try again later, or ask your administrator."
        )
    errors = [line.removeprefix("ERROR: ") for line in output.splitlines() if "ERROR:" in line]
    last = errors[-1] if errors else output.strip().splitlines()[-1:] or ["unknown error"]
    said = last if isinstance(last, str) else last[0]
    return f"Installing the packages of requirements.txt failed: {said[:300]}"


def main(arguments: Sequence[str] | None = None) -> int:
    """`python -m datadive.execution.environments <workspace> <environments folder>`: prepare
    the project's environment where Datadive does not run pip itself (a JupyterHub-spawned
    server's start, before `jupyter server`). Prints each step, then the environment's folder
    (nothing when the project has none); on failure the researcher's message as the last line
    and exit status 1. pip options come from the usual PIP_* variables."""
    parser = argparse.ArgumentParser(prog="python -m datadive.execution.environments")
    parser.add_argument("workspace", type=Path)
    parser.add_argument("root", type=Path, help="where environments are kept")
    parser.add_argument("--project", default="project", help="the folder's name under root")
    parsed = parser.parse_args(arguments)
    environments = ProjectEnvironments(root=parsed.root.resolve())

    async def show(step: str) -> None:
        print(step, flush=True)

    try:
        prepared = asyncio.run(
            environments.prepare(
                parsed.project, parsed.workspace.resolve(), environment=os.environ, on_step=show
            )
        )
    except EnvironmentNotReady as exc:
        print(exc.detail, file=sys.stderr, flush=True)
        return 1
    if prepared is not None:
        print(prepared.folder, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
