"""Translations and language choice."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"


def catalog(lang):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory):
    """Every message in the code and templates, extracted afresh."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [Path(sys.executable).with_name("pybabel"), "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "in_language:2", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_every_message_is_translated(source_messages, lang):
    """Each interface string in the code has a non-fuzzy translation in both catalogs."""
    messages = {message.id: message for message in catalog(lang) if message.id}
    missing = sorted(str(m) for m in source_messages if m not in messages)
    untranslated = sorted(
        str(m.id) for m in messages.values()
        if m.id in source_messages and (not m.string or m.fuzzy)
    )  # fmt: skip
    assert not missing, f"not in the {lang} catalog (run make extract-messages): {missing}"
    assert not untranslated, f"untranslated in {lang}: {untranslated}"


def test_arabic_keeps_placeholders():
    """Arabic translations keep every %(name)s placeholder of the English."""
    for message in catalog("ar"):
        if message.id and message.string:
            for token in ("%(amount)s", "%(code)s"):
                assert (token in message.id) == (token in message.string), message.id


def test_compiled_catalogs_are_current():
    """make compiles each catalog; a .mo older than its .po means a stale install."""
    for lang in ("ar", "en"):
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, lang
