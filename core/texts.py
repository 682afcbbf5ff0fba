"""Words the portal says, kept as a code with parameters and rendered in the reader's language
when they are shown.

Services, validators and the matching engine say *what* happened as a code and its figures
(``Text("line_net_mismatch", {"line": "1", "net": "310.00", ...})``); a stored record keeps the
code and the parameters, and the page, e-mail or API answer turns them into a sentence with
gettext at that moment, so switching the language changes how old records read.

Each app registers its sentences (English msgids with ``%(name)s`` placeholders, marked with
``gettext_noop`` so ``makemessages`` offers them to the translator) with :func:`register`. A
parameter may itself be a text (``{"code": ..., "params": {...}}``), rendered the same way: that
is how a sentence is made of parts (the limit of a policy, the outcome of a check).

An amount of money is a parameter made with :func:`money` (``{"money": "1234.50", "currency":
"CNY"}``): shown with the reader's money format (core.formatting.amount), as the pages show it.

A text may also carry ``"english"``: a more precise English sentence (an EN 16931 finding with
the document's figures, a parser's note) that English readers get instead of the code's words;
other languages read the code's translation.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext

REGISTRY: dict[str, str] = {}


def register(texts: dict[str, str]) -> dict[str, str]:
    """Add ``code → English msgid`` entries; returns ``texts`` (so a module can keep its table).
    A value may also be a lazy label (a TextChoices label), rendered as it translates itself."""
    for code, msgid in texts.items():
        if REGISTRY.get(code, msgid) is not msgid and str(REGISTRY[code]) != str(msgid):
            raise ValueError(f"text code {code!r} is registered twice with different words")
        REGISTRY[code] = msgid
    return texts


class _Values(dict):
    """Parameters for ``%``: nested texts rendered, a missing one shown as its name."""

    def __missing__(self, key):
        return f"%({key})s"


def render_value(value):
    """A parameter as shown: a nested text rendered in the active language, else the value."""
    if isinstance(value, Text):
        return value.render()
    if isinstance(value, dict) and "money" in value:
        from .formatting import amount

        return amount(value["money"], value.get("currency") or None)
    if isinstance(value, dict) and "code" in value:
        if value.get("english") and _reads_english():
            return value["english"]
        return render(value["code"], value.get("params") or {}, fallback=value.get("fallback", ""))
    if isinstance(value, dict) and "items" in value:  # a list with its separator: joined(...)
        return join_sentences((str(render_value(v)) for v in value["items"]), value.get("sep", "; "))
    if isinstance(value, list | tuple):
        return join_sentences(str(render_value(v)) for v in value)
    return value


# A Chinese sentence ends in its own full stop; "。; " would read as two stops.
_CLOSED = ("。", "！", "？", "；", "，")


def join_sentences(parts, sep: str = "; ") -> str:
    """``parts`` joined by ``sep``, except after a part that already ends in a full-width stop,
    which is followed directly by the next part."""
    out = ""
    for part in parts:
        if out:
            out += "" if out.endswith(_CLOSED) and sep.strip() in {";", ","} else sep
        out += part
    return out


def _reads_english() -> bool:
    return (translation.get_language() or "en").split("-")[0] == "en"


def render(code: str, params: dict | None = None, *, fallback: str = "", language: str | None = None) -> str:
    """The sentence for ``code`` in ``language`` (default: the active language). A code that is
    not registered reads as ``fallback`` (the sentence stored with older records) or the code."""
    msgid = REGISTRY.get(code)
    if msgid is None:
        return fallback or code
    with translation.override(language) if language else nullcontext():
        values = _Values({k: render_value(v) for k, v in (params or {}).items()})
        template = gettext(msgid) if isinstance(msgid, str) else str(msgid)  # a lazy label: itself
        try:
            return template % values
        except (TypeError, ValueError):  # a translation with a broken placeholder: the English
            return str(msgid) % values


@dataclass(frozen=True)
class Text:
    """A sentence not yet rendered: its code and parameters. ``str()`` renders it in the active
    language; ``as_json()`` is what a record stores."""

    code: str
    params: dict = field(default_factory=dict)

    def render(self, language: str | None = None) -> str:
        return render(self.code, self.params, language=language)

    def __str__(self) -> str:
        return self.render()

    def english(self) -> str:
        return self.render("en")

    def as_json(self) -> dict:
        return {"code": self.code, "params": {k: _plain(v) for k, v in self.params.items()}}


def _plain(value):
    if isinstance(value, Text):
        return value.as_json()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def english(value):
    """``value`` (a text as JSON, a list of them, or a plain value) in English, without gettext:
    for pure modules (validation, matching) that keep an English sentence next to the code."""
    if isinstance(value, Text):
        value = value.as_json()
    if isinstance(value, dict) and value.get("english"):
        return value["english"]
    if isinstance(value, dict) and "money" in value:
        return f"{value['money']} {value.get('currency') or ''}".strip()
    if isinstance(value, dict) and "code" in value:
        values = _Values({k: english(v) for k, v in (value.get("params") or {}).items()})
        return str(REGISTRY[value["code"]]) % values
    if isinstance(value, dict) and "items" in value:
        return value.get("sep", "; ").join(str(english(v)) for v in value["items"])
    if isinstance(value, list | tuple):
        return "; ".join(str(english(v)) for v in value)
    return value


def joined(items, sep: str = "; ") -> dict:
    """A list parameter shown with ``sep`` between its items (each may be a text)."""
    return {"items": list(items), "sep": sep}


def money(value, currency: str = "") -> dict:
    """An amount as a text parameter: kept exact, shown in the reader's money format."""
    return {"money": str(value), "currency": currency or ""}


def text(code: str, /, **params) -> Text:
    return Text(code, params)
