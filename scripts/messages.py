"""The last step of `make messages`, between merging and compiling the catalogues.

- English (``en``) is the language of the source strings: each entry's translation is
  its own text (also for entries msgmerge matched fuzzily to an older string);
- every catalogue's header names its language, the project and the plural rule
  (Ukrainian and Russian: three forms, 1 / 2–4 / 5+, not the four of Django's own
  catalogues, whose fourth is for fractions no count here has).

Run from the repository's root: ``python scripts/messages.py``.
"""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "src" / "vigil" / "locale"
NAMES = {"az": "Azerbaijani", "uk": "Ukrainian", "ru": "Russian", "en": "English"}
THREE = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)
TWO = "nplurals=2; plural=(n != 1);"


def tidy(path: Path) -> None:
    lang = path.parent.parent.name
    po = polib.pofile(str(path), wrapwidth=79)
    po.header = (
        f"Vigil: the site's, the CLI's and the brief's messages in {NAMES[lang]}.\n"
        "Copyright (C) 2026 the Vigil developers\n"
        "This file is distributed under the same license as Vigil (GPL-3.0-or-later).\n"
        "Update with `make messages`; terms: docs/i18n.md (Glossary)."
    )
    md = po.metadata
    md.update(
        {
            "Project-Id-Version": "Vigil",
            "Report-Msgid-Bugs-To": "",
            "Last-Translator": "Vigil developers",
            "Language-Team": NAMES[lang],
            "Language": lang,
            "Plural-Forms": THREE if lang in ("uk", "ru") else TWO,
        }
    )
    md.pop("POT-Creation-Date", None)  # changes at every extraction: noise in the diff
    md["PO-Revision-Date"] = md.get("PO-Revision-Date", "").replace("YEAR-MO-DA HO:MI+ZONE", "")
    po.metadata_is_fuzzy = False
    if lang == "en":
        for entry in po:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    po.save(str(path))


if __name__ == "__main__":
    for path in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        tidy(path)
