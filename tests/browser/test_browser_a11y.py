"""Usable by everyone, checked in a real browser: every page each role reaches from its navigation
(plus the document pages) has labelled form fields, readable contrast, text alternatives for
images and charts, one <h1>, the right <html lang>, a skip link that is the first Tab stop and
moves focus to <main>, a visible focus ring in DOM order, and no sideways scrolling at phone width.

The checks run in the page (CHECKER below, written for this test: WCAG 2.x relative luminance and
contrast ratio, accessible names from <label for>, a wrapping <label>, aria-label or
aria-labelledby). Failures list every offender as "url: what".
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from requisitions import services as requisitions
from settlement.models import ExceptionCase, MatchResult
from settlement.services.match_policies import tolerance_policy_ensure_default
from settlement.services.statements import statement_create, statement_send
from tests.factories import (
    ItemFactory,
    LegalEntityFactory,
    SupplierFactory,
    UserFactory,
    make_active_contract,
    make_approved_bank_account,
    make_purchase_order,
    make_supplier_user,
)
from tests.settlement.statement_builders import make_invoice, make_received_po

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
TAB_STOPS = 15  # from the top of the page
MAIN_TAB_STOPS = 8  # after the skip link, inside <main>

# --- the in-page checker ---------------------------------------------------------------------

# WCAG 2.x colour maths, shared by the checks below: parse a computed colour, composite it over
# what is behind, relative luminance, contrast ratio; the effective background walks up the tree.
COLOUR = r"""
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(parseFloat);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, below) => ({
    r: top.r * top.a + below.r * (1 - top.a),
    g: top.g * top.a + below.g * (1 - top.a),
    b: top.b * top.a + below.b * (1 - top.a),
    a: 1,
  });
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage && s.backgroundImage !== 'none') return null;  // cannot judge: reported
      const c = parse(s.backgroundColor);
      if (c && c.a > 0) layers.push(c);
      if (c && c.a >= 1) break;
    }
    let bg = {r: 255, g: 255, b: 255, a: 1};  // the canvas
    for (const layer of layers.reverse()) bg = over(layer, bg);
    return bg;
  };
  const channel = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const hex = (c) => '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
"""

CHECKER = (
    r"""
() => {
"""
    + COLOUR
    + r"""
  const out = {unlabelled: [], contrast: [], images: [], h1: 0, lang: document.documentElement.lang,
               positiveTabindex: [], duplicateIds: [], texts: 0, fields: 0};

  const shown = (el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  // Visually hidden on purpose (a .sr label, an off-screen skip link): no contrast to check.
  const visuallyHidden = (el) => {
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clipPath === 'inset(50%)') return true;
      const r = e.getBoundingClientRect();
      if (s.overflow === 'hidden' && r.width <= 1 && r.height <= 1) return true;
    }
    const r = el.getBoundingClientRect();
    return r.right + scrollX <= 0 || r.bottom + scrollY <= 0;
  };
  const text = (el) => (el ? el.textContent : '').replace(/\s+/g, ' ').trim();
  const labelText = (label) => {
    const copy = label.cloneNode(true);
    copy.querySelectorAll('input, select, textarea').forEach((c) => c.remove());
    return text(copy);
  };
  const accessibleName = (el) => {
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    const byIds = ids.map((id) => text(document.getElementById(id))).join(' ').trim();
    if (byIds) return byIds;
    const aria = (el.getAttribute('aria-label') || '').trim();
    if (aria) return aria;
    return Array.from(el.labels || []).map((l) => labelText(l)).join(' ').trim();
  };
  const describe = (el) => el.getAttribute('name') || el.id || el.outerHTML.slice(0, 80);

  // 1. every visible field has an accessible name
  for (const el of document.querySelectorAll('input, select, textarea')) {
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (el.tagName === 'INPUT' && ['hidden', 'submit', 'button', 'reset', 'image'].includes(type)) continue;
    if (!shown(el)) continue;
    out.fields += 1;
    if (!accessibleName(el)) out.unlabelled.push(describe(el));
  }

  // 2. contrast of every visible text node against its effective background
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const words = node.textContent.replace(/\s+/g, ' ').trim();
    if (!words) continue;
    const el = node.parentElement;
    if (!el || el.closest('script, style, noscript, template, option, svg')) continue;
    if (!shown(el) || visuallyHidden(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    if (!Array.from(range.getClientRects()).some((r) => r.width > 0 && r.height > 0)) continue;
    out.texts += 1;
    const s = getComputedStyle(el);
    const bg = background(el);
    if (bg === null) { out.contrast.push(`"${words.slice(0, 40)}" on a background image`); continue; }
    let fg = parse(s.color);
    if (!fg) { out.contrast.push(`"${words.slice(0, 40)}" colour ${s.color} not understood`); continue; }
    fg = over(fg, bg);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (parseInt(s.fontWeight, 10) >= 700 && size >= 18.66);
    const need = large ? 3 : 4.5;
    const got = ratio(fg, bg);
    if (got + 0.005 < need) {
      const key = `${el.tagName}.${el.className}|${hex(fg)}|${hex(bg)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.contrast.push(
        `"${words.slice(0, 40)}" <${el.tagName.toLowerCase()} class="${el.className}"> ` +
        `${hex(fg)} on ${hex(bg)} = ${got.toFixed(2)}:1 < ${need}:1`
      );
    }
  }

  // 3. text alternatives for images and charts
  for (const img of document.images) {
    if (shown(img) && !img.hasAttribute('alt')) out.images.push(`<img src="${img.getAttribute('src')}"> without alt`);
  }
  for (const svg of document.querySelectorAll('svg')) {
    if (svg.parentElement.closest('svg') || svg.closest('[aria-hidden="true"]')) continue;
    const titled = svg.getAttribute('role') === 'img'
      && (accessibleName(svg) || text(svg.querySelector(':scope > title')));
    const figure = svg.closest('figure');
    const captioned = figure && text(figure.querySelector('figcaption'));
    if (!titled && !captioned) out.images.push(`<svg class="${svg.getAttribute('class') || ''}"> without role="img" and a name or a figcaption`);
  }
  for (const el of document.querySelectorAll('[role="img"]:not(svg)')) {
    if (!accessibleName(el)) out.images.push(`<${el.tagName.toLowerCase()} role="img"> without a name`);
  }

  // 4. structure: names and labels point at one element each (a repeated id names the wrong one)
  const refs = new Set();
  for (const el of document.querySelectorAll('[aria-labelledby], [aria-describedby]')) {
    for (const attr of ['aria-labelledby', 'aria-describedby']) {
      (el.getAttribute(attr) || '').split(/\s+/).filter(Boolean).forEach((id) => refs.add(id));
    }
  }
  document.querySelectorAll('label[for]').forEach((l) => refs.add(l.htmlFor));
  for (const id of refs) {
    const n = document.querySelectorAll(`[id="${CSS.escape(id)}"]`).length;
    if (n > 1) out.duplicateIds.push(`${id} (${n} elements)`);
  }
  out.h1 = Array.from(document.querySelectorAll('h1')).filter(shown).length;
  out.positiveTabindex = Array.from(document.querySelectorAll('[tabindex]'))
    .filter((el) => el.tabIndex > 0).map(describe);
  return out;
}
"""
)

# The focused element: whether its focus ring shows (an outline with 3:1 against what is around
# it, or a box-shadow) and whether it comes after the previous stop in the DOM.
FOCUS = (
    r"""
() => {
"""
    + COLOUR
    + r"""
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  let ring = s.boxShadow !== 'none';
  let ringRatio = null;
  if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) {
    const colour = parse(s.outlineColor);
    const around = background(el.parentElement || el);
    ringRatio = colour && around ? ratio(over(colour, around), around) : null;
    ring = ring || ringRatio === null || ringRatio >= 3;
  }
  const prev = window.__a11yPrev;
  const after = !prev || !!(prev.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  const wrapped = el.classList.contains('skip') || prev === el;
  window.__a11yPrev = el;
  const label = (el.textContent || el.getAttribute('name') || el.id || '').replace(/\s+/g, ' ').trim();
  return {ring, ringRatio, after, wrapped, what: `<${el.tagName.toLowerCase()}> ${label.slice(0, 30)}`};
}
"""
)

OVERFLOW = r"""
() => {
  const doc = document.scrollingElement;
  if (doc.scrollWidth <= innerWidth + 1) return null;
  // name the widest culprits to make the failure useful
  const wide = Array.from(document.body.querySelectorAll('*'))
    .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
    .filter((e) => !e.parentElement || e.parentElement.getBoundingClientRect().right <= innerWidth + 1)
    .slice(0, 3)
    .map((e) => `<${e.tagName.toLowerCase()} class="${e.className}"> ${Math.round(e.getBoundingClientRect().right)}px`);
  return `${doc.scrollWidth}px wide at ${innerWidth}px (${wide.join(', ')})`;
}
"""

NAV_LINKS = "Array.from(document.querySelectorAll('header nav[aria-label] a[href]')).map((a) => a.getAttribute('href'))"


# --- a small world: one of each document, so the pages have content ---------------------------


@pytest.fixture
def world(db):
    today = timezone.localdate()
    entity = LegalEntityFactory(name="上海示例采购有限公司")
    supplier = SupplierFactory(name="华南电子 Huanan Electronics", state="approved")
    make_approved_bank_account(supplier)
    buyer = UserFactory(username="a11y-buyer", role="buyer", first_name="Bai", last_name="Buyer")
    finance = UserFactory(username="a11y-finance", role="finance")
    supplier_user = make_supplier_user(supplier, "a11y-supplier")
    staff = UserFactory(username="a11y-staff", role="staff", is_staff=True)
    requester = UserFactory(username="a11y-requester", role="requester")

    # buyer's documents: an active contract (the catalog), a sent PO, a received PO
    ItemFactory(code="PAPER-A4", name="A4 复印纸", category="office", unit="PK")
    contract = make_active_contract(
        supplier,
        valid_from=today - timedelta(days=30),
        valid_to=today + timedelta(days=90),
        lines=(
            {
                "item_code": "PAPER-A4",
                "item_name": "A4 复印纸",
                "unit": "PK",
                "unit_price": "25.00",
                "tax_rate": "0.13",
            },
        ),
    )
    sent_po = make_purchase_order(requester=buyer, supplier=supplier, legal_entity=entity, state="sent")
    received_po, _receipt = make_received_po(buyer, supplier, entity)

    # finance: an approved invoice settled in a statement sent to the supplier, and an exception
    invoice = make_invoice(supplier, entity)
    statement = statement_create(
        kind="invoice_first",
        supplier=supplier,
        legal_entity=entity,
        period_from=date(2026, 3, 1),
        period_to=date(2026, 3, 31),
        actor=finance,
    )
    statement = statement_send(statement=statement, actor=finance)
    exception = make_invoice(supplier, entity, state="exception", lines=(("880.00", "0.13"),))
    policy = tolerance_policy_ensure_default()
    reason = {
        "code": "price_above_tolerance",
        "severity": "exception",
        "message": "The invoiced price is above the PO price by more than the tolerance.",
        "rule": "price",
    }
    result = MatchResult.objects.create(
        invoice=exception,
        verdict="exception",
        input_hash="0" * 64,
        policy=policy,
        policy_version=policy.label,
        engine_version="1",
        explanation={"lines": [], "allocations": [], "variances": [], "reasons": [reason]},
        summary="Price above tolerance",
    )
    ExceptionCase.objects.create(invoice=exception, result=result, primary_reason="price_above_tolerance")

    # requester: a cost centre with a budget, a submitted requisition waiting for approval
    centre = requisitions.cost_centre_create(
        legal_entity=entity, code="CC-IT", name="IT 部门", budget_owner=requester, actor=staff
    )
    requisitions.budget_set(
        cost_centre=centre,
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year, 12, 31),
        amount="10000",
        actor=staff,
    )
    requisitions.requester_assign(user=requester, cost_centre=centre, actor=staff)
    paper = contract.current_version.lines.get(item_code="PAPER-A4")
    requisitions.cart_add(actor=requester, price_line=paper, quantity=4)
    requisition = requisitions.requisition_submit(
        actor=requester, needed_by=today + timedelta(days=14), delivery_address="Room 301"
    )

    po_pages = [f"/procurement/pos/{sent_po.pk}/", f"/procurement/pos/{received_po.pk}/"]
    return {
        "buyer": (
            buyer,
            [
                *po_pages,
                f"/suppliers/{supplier.pk}/",
                f"/suppliers/{supplier.pk}/edit/",
                f"/contracts/{contract.pk}/",
                f"/contracts/{contract.pk}/diff/",
                "/contracts/new/",
                "/procurement/pos/new/",
                f"/invoices/{invoice.pk}/",
            ],
        ),
        "finance": (
            finance,
            [
                *po_pages,
                f"/suppliers/{supplier.pk}/",
                f"/invoices/{invoice.pk}/",
                f"/settlement/statements/{statement.pk}/",
                f"/settlement/matching/invoices/{exception.pk}/",
                "/settlement/statements/new/",
                "/settlement/payments/",
            ],
        ),
        "supplier": (
            supplier_user,
            [
                *po_pages,
                f"/suppliers/{supplier.pk}/",
                f"/invoices/{invoice.pk}/",
                f"/settlement/statements/{statement.pk}/",
            ],
        ),
        "requester": (requester, [f"/requisitions/{requisition.pk}/"]),
    }


# --- helpers -----------------------------------------------------------------------------------


def _pages(page, documents) -> list[str]:
    """Home, every link of the main navigation, and the document pages, in that order."""
    page.goto("/")
    urls = ["/"]
    for href in page.evaluate(NAV_LINKS) + list(documents):
        if href not in urls:
            urls.append(href)
    return urls


def _open(page, url) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"


def _content_problems(page, url, lang: str) -> list[str]:
    found = page.evaluate(CHECKER)
    print(f"{url}: {found['texts']} text nodes, {found['fields']} fields checked")  # shown with -s
    if found["texts"] == 0:
        return [f"{url}: the checker found no visible text (page not rendered?)"]
    problems = [f"{url}: unlabelled field {name}" for name in found["unlabelled"]]
    problems += [f"{url}: contrast {what}" for what in found["contrast"]]
    problems += [f"{url}: {what}" for what in found["images"]]
    problems += [f"{url}: positive tabindex on {what}" for what in found["positiveTabindex"]]
    problems += [f"{url}: a label or name points at a repeated id {what}" for what in found["duplicateIds"]]
    if found["h1"] != 1:
        problems.append(f"{url}: {found['h1']} <h1> elements (want exactly one)")
    if found["lang"] != lang:
        problems.append(f"{url}: <html lang={found['lang']!r}> (want {lang!r})")
    return problems


def _keyboard_problems(page, url) -> list[str]:
    problems = []
    page.keyboard.press("Tab")
    first = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    if first != ["skip", "#main"]:
        problems.append(f"{url}: the first Tab stop is {first}, not the skip link to #main")
    page.evaluate("window.__a11yPrev = document.activeElement")
    for stop in range(2, TAB_STOPS + 1):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        if focus is None or focus["wrapped"]:
            break  # past the last stop
        if not focus["ring"]:
            seen = (
                f" (outline {focus['ringRatio']:.2f}:1 against its background)" if focus["ringRatio"] else ""
            )
            problems.append(f"{url}: Tab stop {stop} {focus['what']} has no visible focus{seen}")
        if not focus["after"]:
            problems.append(
                f"{url}: Tab stop {stop} {focus['what']} comes before the previous one in the DOM"
            )
    # the skip link moves focus into <main>
    page.goto(url)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    landed = page.evaluate("document.activeElement.tagName + '#' + document.activeElement.id")
    if landed != "MAIN#main":
        problems.append(f"{url}: the skip link left focus on {landed}, not <main>")
        return problems
    # and the next Tab stops are inside <main>, with a visible focus too
    page.evaluate("window.__a11yPrev = document.activeElement")
    for stop in range(1, MAIN_TAB_STOPS + 1):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        if focus is None or focus["wrapped"] or not page.evaluate("!!document.activeElement.closest('main')"):
            break
        if not focus["ring"]:
            seen = (
                f" (outline {focus['ringRatio']:.2f}:1 against its background)" if focus["ringRatio"] else ""
            )
            problems.append(f"{url}: Tab stop {stop} in <main> {focus['what']} has no visible focus{seen}")
        if not focus["after"]:
            problems.append(f"{url}: Tab stop {stop} in <main> {focus['what']} comes before the previous one")
    return problems


def _nav_reachable(page) -> bool:
    """The main navigation is on screen, or one visible menu button away."""
    nav = page.locator("header nav[aria-label]").first  # "Main", translated
    if not nav.is_visible() or not nav.locator("a").first.is_visible():
        toggle = page.locator("header summary")
        if toggle.count() and toggle.first.is_visible():
            toggle.first.click()
    links = nav.locator("a")
    return nav.is_visible() and links.count() > 0 and links.last.is_visible()


def _phone_problems(page, url, *, nav: bool = True) -> list[str]:
    problems = []
    wide = page.evaluate(OVERFLOW)
    if wide:
        problems.append(f"{url}: scrolls sideways at phone width: {wide}")
    if nav and not _nav_reachable(page):
        problems.append(f"{url}: the main navigation cannot be reached at phone width")
    return problems


def _report(problems: list[str]) -> str:
    return f"{len(problems)} accessibility problems:\n" + "\n".join(problems)


# --- the tests ---------------------------------------------------------------------------------

ROLES = ["buyer", "finance", "supplier", "requester"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_is_labelled_readable_and_keyboard_usable(new_page, world, role):
    user, documents = world[role]
    page = new_page(user)
    urls = _pages(page, documents)
    assert len(urls) > len(documents) + 1, "the main navigation has no links"
    problems = []
    for url in urls:
        _open(page, url)
        problems += _content_problems(page, url, "en")
        _open(page, url)
        problems += _keyboard_problems(page, url)
    assert not problems, _report(problems)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_fits_a_phone_and_keeps_its_navigation(new_page, screenshot, world, role):
    user, documents = world[role]
    page = new_page(user, **PHONE)
    urls = _pages(page, documents)
    problems = []
    for url in urls:
        _open(page, url)
        problems += _phone_problems(page, url)
        if url == "/":
            screenshot(page, "home-phone")
        elif url in ("/invoices/", "/requisitions/"):
            screenshot(page, "list-phone")  # a core.listing table, stacked
    assert not problems, _report(problems)


def test_the_chinese_interface_is_marked_chinese_and_fits_a_phone(new_page, screenshot, world):
    user, documents = world["finance"]
    page = new_page(user, **PHONE)
    page.goto("/")
    with page.expect_navigation():
        page.get_by_label("Language").select_option("zh-hans")  # the switcher submits on change
    problems = []
    for url in _pages(page, documents):
        _open(page, url)
        problems += _content_problems(page, url, "zh-hans")
        problems += _phone_problems(page, url)
        if url == "/":
            screenshot(page, "home-phone-zh")
    assert not problems, _report(problems)


def test_the_pages_before_logging_in_pass_the_same_checks(new_page, world):
    from suppliers.services import supplier_invite

    buyer, _ = world["buyer"]
    _invitation, token = supplier_invite(email="new-supplier@example.com", actor=buyer)
    page = new_page(**PHONE)
    problems = []
    for url in ("/login/", f"/suppliers/invitations/{token}/", "/suppliers/invitations/not-a-token/"):
        response = page.goto(url)
        assert response is not None and response.status in (200, 404), url
        problems += _content_problems(page, url, "en")
        problems += _phone_problems(page, url, nav=False)  # no navigation before logging in
        page.goto(url)
        problems += _keyboard_problems(page, url)
    assert not problems, _report(problems)


def test_the_checker_catches_what_it_claims_to(new_page, world):
    """The in-page checks fail on a page built to break each rule (so a pass means something)."""
    user, _ = world["buyer"]
    page = new_page(user)
    _open(page, "/")
    page.evaluate(
        """() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend',
          '<h1>Second</h1><input name="nameless"><p style="color:#999;background:#fff">faint words</p>' +
          '<svg class="bare" width="10" height="10"><rect width="10" height="10"/></svg>' +
          '<a href="#" tabindex="2">jump</a><span id="lang">again</span>');
        document.documentElement.lang = 'fr';
        }"""
    )
    problems = "\n".join(_content_problems(page, "/", "en"))
    assert "unlabelled field nameless" in problems
    assert '"faint words"' in problems and "#999999 on #ffffff = 2.85:1" in problems
    assert '<svg class="bare">' in problems
    assert "positive tabindex" in problems
    assert "2 <h1> elements" in problems
    assert "lang='fr'" in problems
    assert "repeated id lang (2 elements)" in problems
    _open(page, "/")
    page.add_style_tag(content=":focus-visible { outline: 3px solid #eeeeee !important; }")
    assert "has no visible focus (outline 1.1" in "\n".join(_keyboard_problems(page, "/"))
    page.set_viewport_size(PHONE)
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<div style=\"width:900px\">x</div>')"
    )
    assert "scrolls sideways" in "\n".join(_phone_problems(page, "/"))


def test_sortable_list_headers_announce_the_sort_order(new_page, world):
    user, _ = world["finance"]
    page = new_page(user)
    _open(page, "/invoices/")
    header = page.locator("th:has(a)").first
    name = header.inner_text().strip()
    header.locator("a").click()
    page.wait_for_load_state()
    sorted_by = page.locator("th[aria-sort]")
    assert sorted_by.count() == 1
    assert sorted_by.first.inner_text().startswith(name)
    first = sorted_by.first.get_attribute("aria-sort")
    assert first in ("ascending", "descending")
    sorted_by.first.locator("a").click()
    page.wait_for_load_state()
    flipped = page.locator("th[aria-sort]").first.get_attribute("aria-sort")
    assert {first, flipped} == {"ascending", "descending"}
    assert page.locator("th[aria-sort] [aria-hidden=true]").count() == 1  # the arrow is not read out
