"""Uploaded CSV files waiting for the job that imports them.

They are kept in settings.CSV_IMPORT_DIR (under var/, never served), under an unguessable name
readable by the app's user only; the job holds the name in `options["upload"]` and the file is
removed when the job ends, whatever the outcome (`runs.job_finish`).
"""

import os
import secrets
import shutil
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

SUFFIX = ".csv"


def import_dir() -> Path:
    return Path(settings.CSV_IMPORT_DIR)


def import_file_save(file: BinaryIO) -> str:
    """Copies the file (read from where it is, in bounded memory) and returns its stored name."""
    folder = import_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = secrets.token_urlsafe(24) + SUFFIX
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(file, out, 1024 * 1024)
    return name


def import_file_path(name: str) -> Path:
    """The stored file of that name; a name that is not one of ours (a path) is refused."""
    if not name or Path(name).name != name or not name.endswith(SUFFIX):
        raise ValueError(f"not an import file name: {name!r}")
    return import_dir() / name


def import_file_remove(name: str) -> None:
    import_file_path(name).unlink(missing_ok=True)
