"""The zh-hans translation is complete and compiles, and the portal speaks both languages."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SKIP_DIRS = {".venv", ".git", "media", "artifacts", "tests", "benchmarks", "locale", "__pycache__", "var"}


def _entries(path: Path) -> dict[str, dict]:
    """msgid (with its context) → {"strs": [msgstr...], "fuzzy": bool}: a small .po reader."""
    entries, current, field = {}, None, None
    flags = ""

    def finish():
        if current is not None and current["id"]:
            key = (current["ctx"] or "") + "\x04" + current["id"]
            entries[key] = {"strs": current["strs"], "fuzzy": "fuzzy" in current["flags"]}

    def unquote(text):
        return text.strip()[1:-1].encode().decode("unicode_escape").encode("latin-1").decode("utf-8")

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,"):
            flags = line
            continue
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("msgctxt") or (line.startswith("msgid ") and (current is None or field != "ctx")):
            finish()
            current, field = {"ctx": "", "id": "", "strs": [], "flags": flags}, None
            flags = ""
        if line.startswith("msgctxt"):
            field, current["ctx"] = "ctx", unquote(line[7:])
        elif line.startswith("msgid_plural"):
            field = "plural"
        elif line.startswith("msgid "):
            field, current["id"] = "id", unquote(line[5:])
        elif line.startswith("msgstr"):
            field = "str"
            current["strs"].append(unquote(line.split(" ", 1)[1]))
        elif line.startswith('"') and current is not None:
            if field == "id":
                current["id"] += unquote(line)
            elif field == "ctx":
                current["ctx"] += unquote(line)
            elif field == "str":
                current["strs"][-1] += unquote(line)
    finish()
    return entries


def test_every_string_has_a_chinese_translation_and_none_is_fuzzy():
    entries = _entries(PO)
    assert len(entries) > 300
    untranslated = [k.split("\x04")[1] for k, v in entries.items() if not all(v["strs"]) or not v["strs"]]
    fuzzy = [k.split("\x04")[1] for k, v in entries.items() if v["fuzzy"]]
    assert untranslated == [], f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


def test_the_catalogue_compiles_with_matching_placeholders(tmp_path):
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt (gettext) is not installed")
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(PO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    compiled = PO.with_suffix(".mo")
    assert compiled.exists(), "run `make messages` and commit locale/zh_Hans/LC_MESSAGES/django.mo"


def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path):
    """makemessages over a copy of the code finds nothing the committed catalogue lacks."""
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (gettext) is not installed")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT, copy, ignore=lambda d, names: [n for n in names if n in SKIP_DIRS or n.endswith(".sqlite3")]
    )
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
    )
    fresh = set(_entries(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = sorted(k.split("\x04")[1] for k in fresh - set(_entries(PO)))
    assert missing == [], f"{len(missing)} strings not in the catalogue (run `make messages`): {missing[:10]}"


@pytest.mark.django_db
def test_the_portal_switches_language_and_formats_amounts_per_language(client, buyer):
    client.force_login(buyer)
    chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="zh-hans"' in chinese and "采购订单" in chinese
    assert 'lang="en"' in english and "Purchase orders" in english
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert 'lang="en"' in client.get("/").content.decode()
