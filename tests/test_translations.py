"""Every text of the pages and messages has its French: the catalogue is rebuilt from the source
(as `makemessages` does) in a copy of the project, and no entry may be left empty or fuzzy."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _gettext_lines(catalogue: Path, option: str) -> list[str]:
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["msgattrib", option, "--no-wrap", str(catalogue)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in result.stdout.splitlines() if line.startswith("msgid ")]


@pytest.mark.skipif(
    shutil.which("msgattrib") is None and not os.environ.get("CI"),
    reason="gettext (Debian package) is not installed",
)
def test_the_french_catalogue_covers_every_text_of_the_source(tmp_path):
    for name in ("channels", "templates", "cdiscount_integration", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", tmp_path)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cdiscount_integration.settings_test"}
    subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        check=True,
    )
    catalogue = tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    # The header is the one entry with an empty msgid; any other is a text without French.
    untranslated = [m for m in _gettext_lines(catalogue, "--untranslated") if m != 'msgid ""']
    fuzzy = [m for m in _gettext_lines(catalogue, "--only-fuzzy") if m != 'msgid ""']
    assert untranslated == []
    assert fuzzy == []
