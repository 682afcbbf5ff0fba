"""Authenticity check of Chinese invoices (发票查验): a pluggable checker.

``settings.INVOICE_VERIFIER`` names the class (dotted path). Every checker takes the invoice's
facts (:class:`InvoiceFacts`) and answers an :class:`Outcome`: ``verified``, ``failed`` with a
reason code, or ``not_checkable`` with a reason code. The codes are rendered in the reader's
language by ``core.texts`` (``tax.check.<code>``, see ``invoicing.tax_checks``).

* :class:`OfflineVerifier` (tests, the demo, a portal without the service): deterministic; it
  checks the invoice's own facts (number and code format, check code, the seller's tax id check
  character, net + tax = gross) and a small local list of numbers known to be cancelled
  (``INVOICE_VERIFIER_CANCELLED``). It cannot tell a well-made forgery from a real invoice.
* :class:`HttpVerifier`: a JSON-over-HTTPS gateway to the national verification service
  (``INVOICE_VERIFIER_HTTP``: URL, app key, app secret from the environment, timeout). Requests are
  signed with HMAC-SHA256 over ``timestamp + "\\n" + body``. An unreachable or confused service
  answers ``not_checkable`` (never ``failed``): a network problem must not block a payment as if
  the invoice were forged; finance re-runs the check.

No Django models here: the facts are plain values so a checker is tested without a database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from suppliers.taxid import uscc_error

VERIFIED = "verified"
FAILED = "failed"
NOT_CHECKABLE = "not_checkable"

CHINESE_FORMATS = frozenset({"ofd", "cn-xml"})

_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class InvoiceFacts:
    format: str
    number: str
    code: str = ""  # old-style 发票代码 (10 or 12 digits); "" for 数电
    issue_date: date | None = None
    seller_tax_id: str = ""
    net: Decimal | None = None
    tax: Decimal | None = None
    gross: Decimal | None = None
    check_code: str = ""  # 校验码 of an old-style electronic invoice
    red: bool = False


@dataclass(frozen=True)
class Outcome:
    result: str  # verified | failed | not_checkable
    code: str  # reason code (tax.check.<code>)
    params: dict = field(default_factory=dict)


class Verifier:
    """The interface: ``name`` (recorded with each result) and ``verify``."""

    name = "verifier"

    def verify(self, facts: InvoiceFacts) -> Outcome:  # pragma: no cover - interface
        raise NotImplementedError


def _digits(value: str, *lengths: int) -> bool:
    return bool(_DIGITS.fullmatch(value or "")) and len(value) in lengths


def own_facts_problem(facts: InvoiceFacts) -> Outcome | None:
    """What the invoice's own facts show wrong, checked without any service; None when fine."""
    if facts.format not in CHINESE_FORMATS:
        return Outcome(NOT_CHECKABLE, "not_chinese", {"format": facts.format})
    if not facts.number or facts.gross is None or facts.issue_date is None:
        return Outcome(NOT_CHECKABLE, "missing_facts")
    if facts.code:  # old-style: 10/12-digit code + 8-digit number; electronic ones carry a check code
        if not _digits(facts.code, 10, 12):
            return Outcome(FAILED, "code_format", {"code": facts.code})
        if not _digits(facts.number, 8):
            return Outcome(FAILED, "number_format", {"number": facts.number, "digits": 8})
        if facts.check_code and not _digits(facts.check_code, 20):
            return Outcome(FAILED, "check_code_format", {"check_code": facts.check_code})
    elif not _digits(facts.number, 20):  # 数电: a 20-digit number, no code
        return Outcome(FAILED, "number_format", {"number": facts.number, "digits": 20})
    problem = uscc_error(facts.seller_tax_id) if len(facts.seller_tax_id) == 18 else None
    if len(facts.seller_tax_id) not in (15, 18, 20) or problem:
        return Outcome(FAILED, "seller_tax_id", {"tax_id": facts.seller_tax_id})
    if facts.net is not None and facts.tax is not None and facts.net + facts.tax != facts.gross:
        return Outcome(
            FAILED,
            "amounts",
            {"net": str(facts.net), "tax": str(facts.tax), "gross": str(facts.gross)},
        )
    return None


class OfflineVerifier(Verifier):
    """Deterministic checker for tests and the demo (see the module doc)."""

    name = "offline"

    def __init__(self, cancelled: frozenset[str] | None = None):
        if cancelled is None:
            from django.conf import settings

            cancelled = frozenset(getattr(settings, "INVOICE_VERIFIER_CANCELLED", ()))
        self.cancelled = cancelled

    def verify(self, facts: InvoiceFacts) -> Outcome:
        problem = own_facts_problem(facts)
        if problem is not None:
            return problem
        if facts.number in self.cancelled:
            return Outcome(FAILED, "cancelled", {"number": facts.number})
        return Outcome(VERIFIED, "facts_consistent")


class HttpVerifier(Verifier):
    """The national verification service through its HTTP gateway (``INVOICE_VERIFIER_HTTP``).

    Request: ``POST <URL>`` with JSON ``{"invoice_number", "invoice_code", "issue_date"
    (YYYYMMDD), "amount_excl_tax", "total_incl_tax", "check_code_last6", "seller_tax_id"}`` and
    headers ``X-App-Key``, ``X-Timestamp``, ``X-Signature`` (hex HMAC-SHA256 with the app secret).
    Answer: JSON ``{"status": "verified" | "failed" | "not_found", "code": "..."}``; ``failed``
    with code ``cancelled`` (作废), ``red_flushed`` (已红冲), ``mismatch`` or another code.

    This contract is the portal's own: the commercial gateways to the national service (and a
    tax bureau's own interface) each have theirs. To fit one, subclass and override the three
    parts that differ — :meth:`request_body` (what is sent), :meth:`headers` (how it is
    authenticated) and :meth:`outcome` (how its answer maps to verified / failed / not
    checkable) — and name the subclass in ``INVOICE_VERIFIER``. Transport, timeouts, size limit
    and the rule that a network problem is never a failure stay here. docs/tax.md lists what
    to take from the gateway's contract.
    """

    name = "http"

    def __init__(self, config: dict | None = None):
        if config is None:
            from django.conf import settings

            config = getattr(settings, "INVOICE_VERIFIER_HTTP", {}) or {}
        self.url = config.get("URL", "")
        self.app_key = config.get("APP_KEY", "")
        self.app_secret = config.get("APP_SECRET", "")
        self.timeout = float(config.get("TIMEOUT", 10))

    def request_body(self, facts: InvoiceFacts) -> bytes:
        payload = {
            "invoice_number": facts.number,
            "invoice_code": facts.code,
            "issue_date": facts.issue_date.strftime("%Y%m%d") if facts.issue_date else "",
            "amount_excl_tax": str(facts.net) if facts.net is not None else "",
            "total_incl_tax": str(facts.gross) if facts.gross is not None else "",
            "check_code_last6": facts.check_code[-6:],
            "seller_tax_id": facts.seller_tax_id,
        }
        return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()

    def sign(self, timestamp: str, body: bytes) -> str:
        message = timestamp.encode() + b"\n" + body
        return hmac.new(self.app_secret.encode(), message, hashlib.sha256).hexdigest()

    def verify(self, facts: InvoiceFacts) -> Outcome:
        if facts.format not in CHINESE_FORMATS:
            return Outcome(NOT_CHECKABLE, "not_chinese", {"format": facts.format})
        if not (self.url and self.app_key and self.app_secret):
            return Outcome(NOT_CHECKABLE, "service_not_configured")
        body = self.request_body(facts)
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting (https)
            self.url, data=body, method="POST", headers=self.headers(body)
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read(64 * 1024).decode("utf-8"))
        except urllib.error.HTTPError as exc:
            return Outcome(NOT_CHECKABLE, "service_error", {"status": exc.code})
        except (urllib.error.URLError, TimeoutError, OSError):
            return Outcome(NOT_CHECKABLE, "service_unavailable")
        except (ValueError, UnicodeDecodeError):
            return Outcome(NOT_CHECKABLE, "service_answer_unreadable")
        if not isinstance(answer, dict):
            return Outcome(NOT_CHECKABLE, "service_answer_unreadable")
        return self.outcome(answer, facts)

    def headers(self, body: bytes) -> dict[str, str]:
        timestamp = str(int(time.time()))
        return {
            "Content-Type": "application/json; charset=utf-8",
            "X-App-Key": self.app_key,
            "X-Timestamp": timestamp,
            "X-Signature": self.sign(timestamp, body),
        }

    def outcome(self, answer: dict, facts: InvoiceFacts) -> Outcome:
        """The gateway's JSON answer as an outcome; anything not understood is not checkable."""
        status = answer.get("status")
        code = str(answer.get("code") or "")[:40]
        if status == "verified":
            return Outcome(VERIFIED, "service_verified")
        if status == "not_found":
            return Outcome(FAILED, "not_found", {"number": facts.number})
        if status == "failed":
            known = {"cancelled", "red_flushed", "mismatch"}
            if code in known:
                return Outcome(FAILED, code, {"number": facts.number})
            return Outcome(FAILED, "service_failed", {"code": code})
        return Outcome(NOT_CHECKABLE, "service_answer_unreadable")


def get_verifier() -> Verifier:
    from django.conf import settings
    from django.utils.module_loading import import_string

    return import_string(getattr(settings, "INVOICE_VERIFIER", "invoicing.verification.OfflineVerifier"))()
