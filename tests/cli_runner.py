"""Run the `vigil` command in-process, as the console script does, and capture it."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

import pytest

from vigil.cli import main


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def vigil(capsys: pytest.CaptureFixture[str], *args: object) -> Run:
    """``vigil ARGS`` in-process: exit code, stdout and stderr. An exception escaping
    ``main`` is what a user would see as a traceback: it is recorded in ``err`` (exit 1)
    so that checks for a clean error report it."""
    capsys.readouterr()
    code, crash = 0, ""
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception:
        code, crash = 1, traceback.format_exc()
    out, err = capsys.readouterr()
    return Run(code, out, err + crash)
