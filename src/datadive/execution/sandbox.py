"""The sandbox a project's Jupyter server (and so every kernel) runs in: bubblewrap.

The server gets its own mount, PID and IPC namespaces. It sees the system's programs and
libraries and the Python environment read-only (with its project's own environment, if any:
`execution.environments`), its own workspace read-write, a private /tmp
(home, IPython and Jupyter runtime folders live there), its own /proc and a minimal /dev.
It sees nothing of Datadive's data folder (database, file store, other workspaces, server
records) nor any process outside its sandbox. The network is shared: Datadive reaches the
server on 127.0.0.1, and the server posts its save notices to Datadive.

`LocalBackend` puts `Sandbox.prefix(workspace)` before the server's command line.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from datadive.config import env_name
from datadive.errors import ConfigurationError

log = logging.getLogger(__name__)

SandboxMode = Literal["auto", "required", "off"]
PROBE_TIMEOUT_SECONDS = 10.0
NOT_SANDBOXED = "kernels are NOT sandboxed: install bubblewrap"
# Inside the sandbox, under its private /tmp.
PRIVATE_TMP = Path("/tmp")  # noqa: S108 - a tmpfs of the sandbox's own
HOME = "/tmp/home"  # noqa: S108
TOP_LEVEL_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What programs need from /etc (libraries, users, names, time, certificates, MIME types);
# never the whole of it (secrets, Datadive's own configuration).
ETC_ENTRIES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/pki",
    "/etc/alternatives",
    "/etc/fonts",
    "/etc/mime.types",
    "/etc/matplotlibrc",
)


def search_path() -> list[str]:
    """sys.path without its first entry: the folder of Datadive's script, or the current
    folder (`python -m datadive` run from a home folder), which the server does not need
    (it starts with its own) and which must not be shared."""
    return [entry for entry in dict.fromkeys(sys.path[1:]) if entry]


def python_paths() -> list[Path]:
    """Folders this Python needs to run Jupyter: its prefixes (a virtualenv's and the base
    interpreter's) and every existing folder of its search path (an editable install's source
    tree, PYTHONPATH), outermost first."""
    found: list[Path] = []
    candidates = [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix]
    candidates += [str(Path(sys.executable).resolve().parent.parent), *search_path()]
    for entry in candidates:
        path = Path(entry).resolve()
        # A folder holding /tmp (a script's own folder, say) would cover the private one.
        if path.exists() and not PRIVATE_TMP.is_relative_to(path):
            found.append(path)
    return outermost(found)


def extra_python_paths() -> list[str]:
    """sys.path entries the interpreter's prefixes do not give (PYTHONPATH, a source tree),
    absolute: PYTHONPATH=src meant Datadive's folder, and the server starts in its workspace."""
    prefixes = [Path(p).resolve() for p in (sys.prefix, sys.base_prefix)]
    prefixes += [Path(p).resolve() for p in (sys.exec_prefix, sys.base_exec_prefix)]
    return [
        entry
        for entry in search_path()
        if not any(Path(entry).resolve().is_relative_to(p) for p in prefixes)
    ]


def outermost(paths: Iterable[Path]) -> list[Path]:
    """`paths` without duplicates and without those inside another one."""
    kept: list[Path] = []
    for path in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(parent) for parent in kept):
            kept.append(path)
    return kept


def _system_arguments() -> list[str]:
    arguments = ["--ro-bind", "/usr", "/usr"]
    for link in TOP_LEVEL_LINKS:
        path = Path(link)
        if path.is_symlink():
            arguments += ["--symlink", str(path.readlink()), link]
        elif path.is_dir():
            arguments += ["--ro-bind", link, link]
    for entry in ETC_ENTRIES:
        arguments += ["--ro-bind-try", entry, entry]
    return arguments


@dataclass(frozen=True)
class Sandbox:
    """`bwrap`: the bubblewrap executable; `hidden`: folders no server may see (Datadive's
    data folder, database and file store), masked even when they lie inside a folder that
    is shared (the Python environment, or a source tree on sys.path)."""

    bwrap: str
    hidden: tuple[Path, ...] = ()

    def prefix(
        self,
        workspace: Path | None,
        *,
        read_only: Sequence[Path] = (),
        writable: Sequence[Path] = (),
    ) -> list[str]:
        """bubblewrap and its options, up to `--`: the server's command line follows.
        `read_only`, `writable`: more folders it sees, even inside a hidden one (a project's
        own environment, `execution.environments`: read-only to its server, writable to the
        pip that builds it)."""
        arguments = [
            self.bwrap,
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            # Gone with Datadive, even when it is killed: no orphan servers.
            "--die-with-parent",
            # No --new-session: Datadive starts bubblewrap in a new session already, with no
            # terminal, and signals the server through bubblewrap's process group.
            # Run as root (containers, CI): keep no capability (mount, ptrace, raw files).
            "--cap-drop",
            "ALL",
            *_system_arguments(),
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--tmpfs",
            "/tmp",  # noqa: S108 - the sandbox's own
            "--dir",
            HOME,
        ]
        shared = python_paths()
        for path in shared:
            arguments += ["--ro-bind", str(path), str(path)]
        for path in outermost(p.resolve() for p in self.hidden):
            # Elsewhere it is not mounted at all (under /tmp: the sandbox has its own).
            if path.is_dir() and any(path.is_relative_to(top) for top in [*shared, Path("/usr")]):
                arguments += ["--tmpfs", str(path)]
                for inside in (top for top in shared if top.is_relative_to(path)):
                    arguments += ["--ro-bind", str(inside), str(inside)]  # e.g. a venv in it
        for path in read_only:
            arguments += ["--ro-bind", str(path.resolve()), str(path.resolve())]
        for path in writable:
            arguments += ["--bind", str(path.resolve()), str(path.resolve())]
        if workspace is not None:
            folder = str(workspace.resolve())
            arguments += ["--bind", folder, folder, "--chdir", folder]
        arguments += [
            "--setenv", "HOME", HOME,
            "--setenv", "IPYTHONDIR", f"{HOME}/.ipython",
            "--setenv", "JUPYTER_CONFIG_DIR", f"{HOME}/.jupyter",
            "--setenv", "JUPYTER_DATA_DIR", f"{HOME}/.local/share/jupyter",
            "--setenv", "JUPYTER_RUNTIME_DIR", f"{HOME}/.local/share/jupyter/runtime",
            "--setenv", "TMPDIR", "/tmp",  # noqa: S108
            "--unsetenv", "XDG_RUNTIME_DIR",
        ]  # fmt: skip
        if extra := extra_python_paths():
            arguments += ["--setenv", "PYTHONPATH", os.pathsep.join(extra)]
        arguments.append("--")
        return arguments


@functools.cache
def probe(bwrap: str) -> str | None:
    """None when bubblewrap runs a program in the sandbox here, else why not. Run once per
    process and executable: unprivileged user namespaces may be disabled, or a container may
    forbid creating namespaces."""
    found = shutil.which(bwrap)
    if found is None:
        return f"{bwrap} was not found"
    command = [*Sandbox(bwrap=found).prefix(None), sys.executable, "-c", "pass"]
    try:
        result = subprocess.run(  # noqa: S603 - our own command line
            command, capture_output=True, timeout=PROBE_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{found} could not run: {exc}"
    if result.returncode != 0:
        said = result.stderr.decode(errors="replace").strip().splitlines()
        return f"{found} failed: {said[-1] if said else f'exit status {result.returncode}'}"
    return None


@dataclass(frozen=True)
class SandboxChoice:
    sandbox: Sandbox | None
    warning: str | None = None


def choose_sandbox(mode: SandboxMode, *, bwrap: str, hidden: Iterable[Path]) -> SandboxChoice:
    """The sandbox `DATADIVE_SANDBOX` asks for: `off`, none; `auto`, bubblewrap when it works
    here (else none, with a warning to show at start); `required`, bubblewrap or a
    ConfigurationError."""
    if mode == "off":
        return SandboxChoice(None)
    problem = probe(bwrap)
    if problem is None:
        return SandboxChoice(Sandbox(bwrap=shutil.which(bwrap) or bwrap, hidden=tuple(hidden)))
    if mode == "required":
        raise ConfigurationError(
            f"{env_name('sandbox')}=required but bubblewrap cannot sandbox kernels: {problem}; "
            f"install bubblewrap (apt-get install bubblewrap) or set {env_name('bwrap')}"
        )
    warning = (
        f"{NOT_SANDBOXED} ({problem}): every kernel can read Datadive's data folder and "
        f"other projects' files; set {env_name('sandbox')}=off to silence this"
    )
    return SandboxChoice(None, warning=warning)
