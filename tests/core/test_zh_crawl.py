"""Reads the portal as a person would, in Chinese: every page reachable from each role's home
page (and the documents its lists link to), the API's error messages and the e-mails in the
outbox. Any run of two or more English words that is not a code, a name or other data, a
number, a file name or an address fails the test: it is a text that was never marked for
translation, or a stored record that keeps a sentence instead of a code.

Texts that ARE marked for translation but not yet translated in the catalogue (an empty msgstr)
are listed separately: the failure message says which is which, so a missing translation is
told apart from a text the code never offered to the translator.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.db import models
from lxml import html as lxml_html
from pypdf import PdfReader

from tests.core import zh_world
from tests.core.test_translations import SKIP_DIRS, _entries

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}

MAX_PAGES_PER_ROLE = 400
VARIANTS_PER_PATTERN = 2  # /invoices/<id>/ is read for two ids, a list for two query strings
# Files people uploaded (a qualification document, a quote attachment, an invoice original) are
# theirs, not the portal's words.
UPLOADED = re.compile(
    r"^/suppliers/documents/\d+/file/$|^/procurement/quote-attachments/\d+/$|^/invoices/\d+/file/$"
)
SKIP_PREFIXES = ("/logout", "/i18n/", "/static/", "/media/", "/health/", "/metrics", "/api/")
# Exports made for other software (the invoice plan for the supplier's invoicing program): their
# keys are codes; their values are still read.
MACHINE_EXPORTS = ("/plan/csv/",)
# Django admin is Django's own translation: read its index and each model's list once.
ADMIN_DEPTH = 1

WORD = re.compile(r"^[A-Za-z]+(?:['’][A-Za-z]+)?$")
STRIP = "()[]{}<>,.;:!?\"'“”‘’«»…—–-/*|"
# Words that may stand next to each other without being a sentence: units, formats and brand
# names (kept small on purpose; data such as names comes from the database, see _data_texts).
ALLOWED_RUNS = {
    "e invoice",
    "google authenticator",  # authenticator apps named on the two-factor setup page
    "microsoft authenticator",
}
SNAKE = re.compile(r"^[a-z]+(?:_[a-z]+)+$")
# What the demo data (seed_demo) types as a person would: reasons on the transition log.
SEED_TYPED = {"demo data", "demo: opened by hand to compare and award", "demo: first delivery"}
CODE_WORD = re.compile(r"^[A-Z0-9]{2,8}$")  # CNY, EA, PK, OFD, XML, UBL, CII, PDF, CSV, API, USCC


def _finding_codes() -> set[str]:
    """The stable codes of validation findings and match reasons: cited with their words."""
    from invoicing.reasons import REFUSAL_REASONS
    from invoicing.validation import ISSUE_CODES
    from settlement.matching.model import ReasonCode

    return {*ISSUE_CODES, *REFUSAL_REASONS, *(c.value for c in ReasonCode)} | {
        "signature_unverified",
        "signature_invalid",
        "signature_tampered",
        "signature_missing",
        "duplicate_invoice",
        "credit_note_unknown_original",
        "amount_out_of_range",
    }


FINDING_CODES = _finding_codes()


def _msgids() -> dict[str, str]:
    """msgid → msgstr of the committed catalogue (plural forms: the first msgstr)."""
    return {key.split("\x04")[1]: (v["strs"] or [""])[0] for key, v in _entries(PO).items()}


def _data_texts() -> list[str]:
    """Every text a person (or the demo data) typed: names, titles, notes, reasons, file names.
    They are data, shown as typed; the crawler blanks them out before looking for English.
    Fields the portal itself fills with words (messages, summaries) are not data."""
    system = {
        "message",
        "summary",
        "text",
        "primary_reason",
        "resolution_reason",
        "reason_code",
        "code",  # a code shown as it is stored is English to a reader
        "signature_detail",
    }
    values: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label in {"auth", "contenttypes", "sessions", "admin", "axes"}:
            continue
        fields = [
            f.name
            for f in model._meta.fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices and f.name not in system
        ]
        if model._meta.label == "core.TransitionLog":
            fields = []  # its reasons are checked: the portal writes some of them
        for field in fields:
            for value in model.objects.exclude(**{field: ""}).values_list(field, flat=True).distinct()[:2000]:
                values.add(str(value))
    for user in apps.get_model("core", "User").objects.all():
        values.add(user.get_full_name())
    values.update(SEED_TYPED)
    # a lower-case word stored as a value (``invoice``, ``cn-xml``) is a code, not a name
    return sorted(
        (v for v in values if len(v) >= 3 and not re.fullmatch(r"[a-z_-]+", v)), key=len, reverse=True
    )


def _visible_text_nodes(content: bytes) -> list[str]:
    document = lxml_html.fromstring(content)
    # not read as words: scripts, and codes the page shows as codes (<code>price_above_tolerance</code>)
    for bad in document.xpath("//script|//style|//noscript|//template|//code"):
        bad.drop_tree()  # keeps the text after the element
    nodes = []
    for text in document.xpath("//body//text()"):
        text = " ".join(str(text).split())
        if text:
            nodes.append(text)
    return nodes


def english_runs(text: str, data: list[str]) -> list[str]:
    """The runs of ≥2 English words in ``text`` once data, codes and numbers are taken out."""
    for value in data:
        if value in text:
            text = text.replace(value, " ¶ ")
    text = re.sub(r"[^\x00-\x7f]+", " ¶ ", text)  # Chinese (and data) end a run
    runs, current = [], []

    def close():
        if len(current) >= 2:
            run = " ".join(current)
            if run.lower() not in ALLOWED_RUNS and not any(run in value for value in data):
                runs.append(run)  # (a run inside a data value is that value cut short, e.g. in a chart)
        current.clear()

    for token in text.split():
        word = token.replace("(s)", "").strip(STRIP)
        if not word or token == "¶":
            close()
        elif SNAKE.match(word):  # a code shown as it is stored: pending_approval
            close()
            if word not in FINDING_CODES:  # a finding's own code may be cited, as a code
                runs.append(word)
        elif WORD.match(word) and not CODE_WORD.match(word):
            current.append(word)
        # numbers, codes, file names and addresses neither count nor end a run
    close()
    return runs


def _pattern(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/<id>", path)


def _links(content: bytes) -> list[str]:
    try:
        document = lxml_html.fromstring(content)
    except Exception:
        return []
    return [str(h) for h in document.xpath("//a/@href")]


def _document_lines(url: str, response) -> list[str]:
    """The text a person reads in a downloaded PDF (pypdf) or CSV export, line by line (cell by
    cell). An export made for the supplier's invoicing software keeps its column keys (codes)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "application/pdf" in response.headers.get("Content-Type", ""):
        reader = PdfReader(io.BytesIO(content))
        # one text: a name or description wrapped onto two lines is still the name typed
        return [" ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)]
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    if any(url.endswith(suffix) for suffix in MACHINE_EXPORTS):
        return [cell for row in rows for cell in row[1:]]  # the values, not the keys in the first column
    return [cell for row in rows for cell in row]


def crawl(client, *, staff: bool) -> tuple[dict[str, list[str]], int]:
    """url → English runs seen on it (pages, and the PDFs and CSV exports they link to); and how
    many pages and documents were read."""
    seen_patterns: Counter = Counter()
    visited: set[str] = set()
    queue = deque(["/"])
    found: dict[str, list[str]] = {}
    data = _data_texts()
    pages = documents = 0
    while queue and pages < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        if url in visited:
            continue
        visited.add(url)
        response = client.get(url, **ZH)
        pages += 1
        assert response.status_code < 500, f"{url} → {response.status_code}"
        if response.status_code in (301, 302):
            target = response.headers.get("Location", "")
            if target.startswith("/") and target not in visited:
                queue.append(target)
            continue
        kind = response.headers.get("Content-Type", "")
        if response.status_code == 200 and ("application/pdf" in kind or "text/csv" in kind):
            documents += 1
            runs = [run for line in _document_lines(url, response) for run in english_runs(line, data)]
            if runs:
                found[url] = sorted(set(runs))
            continue
        if response.status_code != 200 or "text/html" not in kind:
            continue
        runs = [run for node in _visible_text_nodes(response.content) for run in english_runs(node, data)]
        if runs:
            found[url] = sorted(set(runs))
        for href in _links(response.content):
            href, _ = urldefrag(href)
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/"):
                continue
            if href.startswith(SKIP_PREFIXES) or UPLOADED.search(parts.path):
                continue
            if href.startswith("/admin/") and (
                not staff or href.count("/") > 4 + ADMIN_DEPTH or "/change/" in href or "/history/" in href
            ):
                continue
            key = _pattern(parts.path) + ("?" if parts.query else "")
            if href in visited or seen_patterns[key] >= VARIANTS_PER_PATTERN:
                continue
            seen_patterns[key] += 1
            queue.append(href)
    return found, pages + documents


def _untranslated_msgids() -> list[str]:
    """Texts marked for translation that have no Chinese yet: msgids of the committed catalogue
    with an empty msgstr, and msgids ``makemessages`` finds in the code that the catalogue lacks
    (it runs over a copy of the code, as tests/core/test_translations.py does; only on failure)."""
    catalogue = _msgids()
    untranslated = [mid for mid, text in catalogue.items() if not text]
    if shutil.which("xgettext") is None:
        return untranslated
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "src"
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
        fresh = _entries(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    return untranslated + [key.split("\x04")[1] for key in fresh if key.split("\x04")[1] not in catalogue]


def _split_by_catalogue(found: dict[str, list[str]]) -> tuple[dict, dict]:
    """(not marked for translation, marked but without Chinese yet)."""
    msgids = _untranslated_msgids()
    vocabulary = {
        w.lower()
        for mid in msgids
        for w in re.findall(r"[A-Za-z]+", re.sub(r"%\([a-z_0-9]+\)[sd]", " ", mid))
    }
    unmarked, untranslated = {}, {}
    for where, runs in found.items():
        for run in runs:
            # every word of it comes from texts waiting for their translation
            # (the last word may be cut short by a page that truncates a long text)
            words = [w.lower() for w in re.findall(r"[A-Za-z]+", run)]
            marked = all(w in vocabulary for w in words[:-1]) and (
                not words or any(v.startswith(words[-1]) for v in vocabulary)
            )
            (untranslated if marked else unmarked).setdefault(where, []).append(run)
    return unmarked, untranslated


def _report(found: dict[str, list[str]]) -> str:
    unmarked, untranslated = _split_by_catalogue(found)
    lines = []
    if unmarked:
        lines.append("English NOT marked for translation (fix the code):")
        lines += [f"  {where}: {runs}" for where, runs in sorted(unmarked.items())]
    if untranslated:
        lines.append("Marked for translation, msgstr still empty (translate in the catalogue):")
        lines += [f"  {where}: {runs}" for where, runs in sorted(untranslated.items())]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at the end (seed_demo and the
    uploads take a while); the e-mails it sent are kept with it (the outbox is emptied per test)."""
    from django.core import mail
    from django.db import transaction
    from django.test import TestCase

    with django_db_blocker.unblock(), transaction.atomic():
        mail.outbox = []
        users = zh_world.build(TestCase.captureOnCommitCallbacks)
        users["outbox"] = list(mail.outbox)
        yield users
        transaction.set_rollback(True)


def test_the_english_detector_finds_sentences_and_leaves_codes_names_and_numbers_alone():
    data = ["Huanan Electronics", "Bai Buyer"]
    assert english_runs("深圳华南电子有限公司 Huanan Electronics", data) == []
    assert english_runs("PO-2026-0001 CNY 1,234.50 EA", data) == []
    assert english_runs("invoice.xml buyer@demo.example", data) == []
    assert english_runs("已批准 Bai Buyer", data) == []
    assert english_runs("The invoice has no lines.", data) == ["The invoice has no lines"]
    assert english_runs("2 line(s) to 2 supplier(s)", data) == ["line to supplier"]
    assert english_runs("状态：pending approval", data) == ["pending approval"]
    assert english_runs("历史 start_validation", data) == ["start_validation"]
    assert english_runs("Invoice INV-1 was approved", data) == ["Invoice was approved"]


@pytest.mark.parametrize("role", zh_world.ROLES)
def test_every_page_a_role_reaches_reads_in_chinese(client, world, role):
    client.force_login(world[role])
    found, pages = crawl(client, staff=role == "admin")
    assert pages >= 5, f"{role}: the crawler read only {pages} pages"
    assert not found, f"{role}: {pages} pages read, English seen on {len(found)}:\n" + _report(found)


def _api_error_calls(world):
    """(method, url, body) that each answer with an error, as the role that meets it."""
    invoice = apps.get_model("invoicing", "Invoice").objects.exclude(state="exception").first()
    po = apps.get_model("procurement", "PurchaseOrder").objects.filter(state="sent").first()
    return [
        ("finance", "post", f"/api/matching/invoices/{invoice.pk}/accept", {"reason": "同意"}),
        ("finance", "post", f"/api/matching/invoices/{invoice.pk}/reject", {"reason": ""}),
        ("finance", "get", "/api/invoices/999999", None),
        ("buyer", "post", f"/api/purchase-orders/{po.pk}/approve", {}),
        ("buyer", "post", f"/api/purchase-orders/{po.pk}/cancel", {"reason": ""}),
        ("supplier1", "post", "/api/invoices/", None),
        ("supplier1", "get", "/api/suppliers/999999", None),
    ]


def test_the_api_answers_errors_in_chinese_with_the_same_codes(client, world):
    found = {}
    answered = 0
    for role, method, url, body in _api_error_calls(world):
        client.force_login(world[role])
        kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
        response = getattr(client, method)(url, **kwargs, **ZH)
        if response.status_code < 400 or "json" not in response.headers.get("Content-Type", ""):
            continue
        answered += 1
        payload = response.json()
        english = getattr(client, method)(url, **kwargs, HTTP_ACCEPT_LANGUAGE="en").json()
        assert payload.get("code") == english.get("code"), url
        runs = english_runs(str(payload.get("message") or payload.get("detail") or ""), [])
        if runs:
            found[f"{method.upper()} {url}"] = runs
    assert answered >= 2
    assert not found, "API errors in English:\n" + _report(found)


def test_the_emails_in_the_outbox_read_in_the_recipients_language(world):
    """Every e-mail is written in its recipient's language (the demo's people read Chinese, the
    default): subject and body carry no English sentence."""
    from core.mail import language_of
    from core.models import User

    outbox = world["outbox"]
    assert outbox, "the data set sent no e-mail"
    data = _data_texts()
    found = {}
    for message in outbox:
        reader = User.objects.filter(email__in=message.to).first()
        if language_of(reader) != "zh-hans":
            continue
        runs = [
            run
            for line in (message.subject + "\n" + message.body).splitlines()
            for run in english_runs(line, data)
        ]
        if runs:
            found[f"{message.to[0]}: {message.subject}"] = sorted(set(runs))
    assert not found, "E-mails to Chinese readers in English:\n" + _report(found)
