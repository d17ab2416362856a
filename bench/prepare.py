"""A throwaway SQLite database with the sample content, made with the project's own CLI."""

import os
import subprocess
import sys
from pathlib import Path

from . import BenchError

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv's bin/, not resolved past its symlink
ARTICLE_PATH = (
    "/en/articles/putin-and-erdogan-meet-in-istanbul-amid-ongoing-battles-in-syrias-idlib"
)


def app_env(tmp: Path) -> dict[str, str]:
    """The environment both the CLI and the app's gunicorn run with."""
    env = dict(os.environ)
    env.update(
        APP_ENV="development",
        DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite'}",
        FLASK_APP="wsgi",
    )
    env.pop("REDIS_URL", None)  # the in-process cache, as on a developer's machine
    return env


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise BenchError(f"{path} not found; run `make install` first")
    return str(path)


def prepare_database(tmp: Path) -> dict[str, str]:
    """Run the migrations and load the sample stories; return the environment to serve with."""
    env = app_env(tmp)
    for args in (["db", "upgrade"], ["content", "load-sample"]):
        command = [tool("flask"), *args]
        done = subprocess.run(
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            output = (done.stdout + done.stderr).strip()
            raise BenchError(
                f"`flask {' '.join(args)}` failed (exit {done.returncode}):\n{output[-3000:]}"
            )
    return env
