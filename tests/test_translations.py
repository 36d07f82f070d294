"""zh-Hans and English are complete: every message has a translation, and the catalogue is current."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO_FILE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _joined(raw: str) -> str:
    return "".join(re.findall(r'"(.*)"', raw))


def parse_po(path: Path) -> dict[tuple[str, str], tuple[str, bool]]:
    """(msgctxt or "", msgid) → (msgstr, fuzzy) of a .po file; plural entries are keyed by their
    singular."""
    entries: dict[tuple[str, str], tuple[str, bool]] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        context = re.search(r'^msgctxt ((?:".*"\n?)+)', block, re.M)
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if msgid and msgstr and _joined(msgid.group(1)):
            key = (_joined(context.group(1)) if context else "", _joined(msgid.group(1)))
            entries[key] = (_joined(msgstr.group(1)), "#, fuzzy" in block)
    return entries


def test_every_message_has_a_chinese_translation():
    entries = parse_po(PO_FILE)
    assert len(entries) > 100
    assert [key for key, (msgstr, fuzzy) in entries.items() if fuzzy or not msgstr] == []


def test_compiled_catalogue_matches_the_source():
    with translation.override("zh-hans"):
        for (context, msgid), (msgstr, _fuzzy) in parse_po(PO_FILE).items():
            if "\\" not in msgid:
                found = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
                assert found == msgstr, (context, msgid)


@pytest.mark.skipif(
    shutil.which("xgettext") is None and not os.environ.get("FANGYI_REQUIRE_BROWSER"),
    reason="gettext tools are not installed",
)
def test_catalogue_holds_every_string_of_the_code(tmp_path):
    """Re-extract the messages: a new string without a translation fails here."""
    work = tmp_path / "fangyi"
    shutil.copytree(settings.BASE_DIR, work, ignore=shutil.ignore_patterns("__pycache__", "static", "locale"))
    (work / "locale").mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-location"],
        cwd=work,
        check=True,
        capture_output=True,
    )
    extracted = parse_po(work / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert set(extracted) - set(parse_po(PO_FILE)) == set()
