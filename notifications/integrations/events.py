"""What an integration can hear about, and the pure parts of sending it (no database).

* Webhook events and their JSON body; the signature header ``X-Portal-Signature:
  t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`` and its check.
* Group-robot messages: 企业微信 (WeCom) and 钉钉 (DingTalk) markdown JSON, DingTalk's signed
  mode (``timestamp`` in ms and ``sign`` = base64 HMAC-SHA256(secret, "<timestamp>\\n<secret>")).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from django.utils.translation import gettext_lazy as _

EVENTS: dict[str, object] = {
    "invoice.approved": _("Invoice approved"),
    "payment.made": _("Payment made"),
    "supplier.changed": _("Supplier changed"),
}

SIGNATURE_HEADER = "X-Portal-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300
# WeCom refuses markdown content over 4096 bytes; DingTalk's limit is larger, one cap for both.
ROBOT_TEXT_LIMIT = 3500


def body_bytes(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, now: float | None = None) -> bool:
    """The receiver's check (the one docs/integration.md shows): a v1 signature of this body by
    this secret, made within SIGNATURE_TOLERANCE_SECONDS (a replayed old request is refused)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: base64(HMAC-SHA256(key=secret, msg="<timestamp>\\n<secret>")), URL-encoded by the caller."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# Characters that make markdown links, images, HTML (and WeCom's <@mention>), emphasis or code,
# replaced by their full-width forms: the text reads the same and makes none of them.
_MARKDOWN = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "*": "＊", "`": "｀", "\\": "＼"})


def markdown_text(text: str) -> str:
    """Text anyone typed (a supplier's name, a reason) as literal markdown: no link, image,
    heading, emphasis or HTML (and no WeCom <@mention>) can be made from it."""
    lines = str(text).translate(_MARKDOWN).split("\n")
    return "\n".join("＃" + line[1:] if line.startswith("#") else line for line in lines)


def _cut(text: str) -> str:
    return text if len(text) <= ROBOT_TEXT_LIMIT else text[: ROBOT_TEXT_LIMIT - 1] + "…"


def wecom_message(*, title: str, body: str, link: str = "", link_label: str = "") -> dict:
    """企业微信 group robot, msgtype markdown (``{"msgtype": "markdown", "markdown": {"content": …}}``)."""
    content = f"**{markdown_text(title)}**\n{markdown_text(body)}"
    if link:
        content += f"\n[{markdown_text(link_label)}]({link})"
    return {"msgtype": "markdown", "markdown": {"content": _cut(content)}}


def dingtalk_message(*, title: str, body: str, link: str = "", link_label: str = "") -> dict:
    """钉钉 group robot, msgtype markdown (``{"msgtype": "markdown", "markdown": {"title", "text"}}``)."""
    text = f"#### {markdown_text(title)}\n\n{markdown_text(body)}"
    if link:
        text += f"\n\n[{markdown_text(link_label)}]({link})"
    return {"msgtype": "markdown", "markdown": {"title": title[:60], "text": _cut(text)}}


def robot_accepted(status: int, answer: bytes) -> tuple[bool, str]:
    """Both robots answer HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``; any other errcode
    (a wrong key, a bad signature, the rate limit) is a failure to retry and show."""
    if not 200 <= status < 300:
        return False, f"HTTP {status}"
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        return False, "not JSON"
    code = data.get("errcode") if isinstance(data, dict) else None
    if code == 0:
        return True, ""
    return False, f"errcode {code}: {str(data.get('errmsg', ''))[:200] if isinstance(data, dict) else ''}"
