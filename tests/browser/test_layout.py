"""Every page fits 360 px (and 1280 px) in both languages: nothing scrolls the page sideways; the
support page's choices are thumb-sized, with one "Another amount" and labels that follow the
chosen frequency."""

import re

import pytest

from .conftest import HEIGHT, NARROW, WIDE
from .steps import article_path, become_member, expect, expect_one_payment, register

pytestmark = [pytest.mark.own_app, pytest.mark.browser]

LANGS = ["en", "ar"]
MIN_TARGET_PX = 44
ANOTHER_AMOUNT = {"en": "Another amount", "ar": "مبلغ آخر"}
# The first preset ($1) as each frequency shows it, in the tile's own words.
FIRST_AMOUNT = {
    "en": {"monthly": "$1 a month", "annual": "$12 a year", "once": "$1 once"},
    "ar": {"monthly": "1 US$ شهريًا", "annual": "12 US$ سنويًا", "once": "1 US$ لمرة واحدة"},
}
STAFF_PAGES = {
    "overview": "/{lang}/staff/",
    "supporters": "/{lang}/staff/supporters",
    "webhooks": "/{lang}/staff/webhooks",
    "audit": "/{lang}/staff/audit",
    "outbox": "/{lang}/staff/outbox",
    "prompts": "/{lang}/staff/prompts",
    "new-prompt": "/{lang}/staff/prompts/new",
    "cancellations": "/{lang}/staff/cancellations",
    "gifts": "/{lang}/staff/gifts",
    "offline-payments": "/{lang}/staff/offline-payments",
    "record-offline-payment": "/{lang}/staff/offline-payments/new",
    "emails": "/{lang}/staff/emails",
    "team": "/{lang}/staff/team",
}
# The page's width as laid out, and the deepest elements that reach past the viewport (named).
OVERFLOW = """() => {
  const width = window.innerWidth;
  const shown = [...document.body.querySelectorAll("*")]
    .filter(el => !el.closest(".skip-link, .visually-hidden"));
  const past = shown.filter(el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && (box.right > width + 0.5 || box.left < -0.5);
  });
  const deepest = past.filter(el => !past.some(other => other !== el && el.contains(other)));
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === "string"
    ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  return {scroll: document.documentElement.scrollWidth, width,
          past: deepest.slice(0, 5).map(el => `${name(el)} (${Math.round(el.getBoundingClientRect().width)} px)`)};
}"""

# The left and right edges of each element's content (inside its padding), in whole pixels.
CONTENT_EDGES = """selectors => selectors.map(selector => {
  const el = document.querySelector(selector), box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return [Math.round(box.left + parseFloat(style.paddingLeft)),
          Math.round(box.right - parseFloat(style.paddingRight))];
})"""
UI_FONT = "system-ui"


class Layout:
    """Checks that the page fits each width, saving a full-page screenshot of each."""

    def __init__(self, folder) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, page, step: str, widths=(NARROW, WIDE)) -> None:
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            for width in widths:
                page.set_viewport_size({"width": width, "height": HEIGHT})
                fit = page.evaluate(OVERFLOW)
                page.screenshot(
                    path=str(self.folder / f"{self.count:02d}-{step}-{width}.png"), full_page=True
                )
                assert fit["scroll"] <= fit["width"], (
                    f"{step} at {width} px scrolls sideways: {fit['scroll']} px wide, past the"
                    f" edge: {', '.join(fit['past'])} ({page.url})"
                )
        finally:
            page.set_viewport_size({"width": NARROW, "height": HEIGHT})


@pytest.fixture
def layout(request, artifacts) -> Layout:
    """Layout checks, their screenshots in `test-artifacts/browser/<test name>/`."""
    return Layout(artifacts / request.node.name)


@pytest.fixture
def narrow(page):
    """The test's page at 360x800."""
    page.set_viewport_size({"width": NARROW, "height": HEIGHT})
    return page


def choose(page, name: str, value: str) -> None:
    """Tap the label of the `name` radio button with `value`, as a reader does."""
    button = page.locator(f"input[name={name}][value='{value}']")
    page.locator(f"label[for='{button.get_attribute('id')}']").click()


def reads(text: str) -> re.Pattern:
    """`text`, word for word, however the tile breaks its lines."""
    return re.compile(r"^\s*" + r"\s+".join(map(re.escape, text.split())) + r"\s*$")


def amount_tiles(page):
    """The support form's amount choices as the reader taps them (their labels)."""
    return page.locator(".support-form .amount-choices label")


@pytest.mark.parametrize("lang", LANGS)
def test_reader_pages_fit(narrow, layout, lang):
    """Signed out: the home page, an article, login, register, sign-in by code and the gift form
    fit 360 and 1280 px."""
    for step, path in [("home", f"/{lang}/"), ("article", article_path(lang)),
                       ("login", f"/{lang}/login"), ("register", f"/{lang}/register"),
                       ("sign-in-code", f"/{lang}/sign-in/email"), ("gift", f"/{lang}/gift")]:  # fmt: skip
        narrow.goto(path)
        layout(narrow, f"{step}-{lang}")
    narrow.goto(f"/{lang}/")
    narrow.set_viewport_size({"width": WIDE, "height": HEIGHT})
    banner, content = narrow.evaluate(CONTENT_EDGES, [".support-prompt--banner", "main.page"])
    assert banner == content, "the banner's words and the page's content start at different x"
    narrow.set_viewport_size({"width": NARROW, "height": HEIGHT})
    brand = narrow.locator(".site-header .brand")
    box = brand.bounding_box()
    line = float(brand.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)"))
    assert box["height"] < 1.5 * line, "the brand wraps at 360 px"


@pytest.mark.parametrize("lang", LANGS)
def test_support_page_for_a_thumb(narrow, layout, lang):
    """Thumb-sized amounts in a grid, one "Another amount", labels true to the frequency chosen,
    and the prompt's "Give once" preselecting a real amount."""
    page = narrow
    page.goto(f"/{lang}/support")
    layout(page, f"support-{lang}")
    tiles = amount_tiles(page)
    assert tiles.count() >= 4
    for index in range(tiles.count()):
        height = tiles.nth(index).bounding_box()["height"]
        assert height >= MIN_TARGET_PX, f"amount choice {index} is {height} px high"
    for tile in page.locator(".support-form .frequency-choices label").all():
        assert tile.bounding_box()["height"] >= MIN_TARGET_PX
    expect(page.locator("main").get_by_text(ANOTHER_AMOUNT[lang], exact=True)).to_have_count(1)
    # The frequency comes first; the amounts' words follow it.
    frequency = page.locator(".support-form fieldset").first
    expect(frequency.locator("input[name=frequency]")).to_have_count(3)
    first = tiles.first
    for choice in ("annual", "once", "monthly"):
        choose(page, "frequency", choice)
        expect(first).to_have_text(reads(FIRST_AMOUNT[lang][choice]), use_inner_text=True)
        if choice == "annual":
            layout(page, f"support-annual-{lang}", widths=(NARROW,))
    # "Another amount": its one field, named by the choice, shown once chosen.
    choose(page, "amount", "other")
    field = page.locator("input[name=other_amount]")
    expect(field).to_be_visible()
    expect(field).to_have_accessible_name(ANOTHER_AMOUNT[lang])
    layout(page, f"support-another-amount-{lang}", widths=(NARROW,))
    # The prompt's "Give once": a real amount chosen, said as a donation.
    page.goto(article_path(lang))
    page.locator(".support-prompt a[href*='frequency=once']").first.click()
    page.wait_for_url(f"**/{lang}/support?*")
    expect(page.locator("input[name=frequency][value=once]")).to_be_checked()
    expect(page.locator("input[name=amount][value='100']")).to_be_checked()
    expect(first).to_have_text(reads(FIRST_AMOUNT[lang]["once"]), use_inner_text=True)


def test_member_pages_fit(narrow, layout):
    """Signed in: the payment page, the account with a payment in its history and the
    cancellation page, both languages."""
    page = narrow
    register(page, "en")

    def check_the_payment_page(page):
        payment_page = page.url  # /en/support/pay/<key>; the same attempt is payable in Arabic
        for lang in LANGS:
            page.goto(payment_page.replace("/en/", f"/{lang}/", 1))
            page.locator("#payment-element input[name=card_number]").wait_for()
            layout(page, f"payment-{lang}")
        page.goto(payment_page)

    become_member(page, "en", on_the_payment_page=check_the_payment_page)
    for lang in LANGS:
        expect_one_payment(page, lang, "paid")
        layout(page, f"account-{lang}")
        page.goto(f"/{lang}/support")
        layout(page, f"support-member-{lang}", widths=(NARROW,))
        page.goto(f"/{lang}/account/support/cancel")
        assert page.url.endswith(f"/{lang}/account/support/cancel"), page.url
        layout(page, f"cancel-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_staff_pages_fit(staff_context, layout, lang):
    """Every staff page's list and form (STAFF_PAGES) and a supporter at 360 px."""
    page = staff_context.new_page()
    try:
        page.set_viewport_size({"width": NARROW, "height": HEIGHT})
        for step, path in STAFF_PAGES.items():
            response = page.goto(path.format(lang=lang))
            assert response is not None and response.ok, (
                f"staff {step}: {response and response.status}"
            )
            assert page.url.endswith(path.format(lang=lang)), f"not the staff page: {page.url}"
            layout(page, f"staff-{step}-{lang}", widths=(NARROW,))
            if step == "team":  # a colleague to remove: the button and its hidden words fit too
                expect(page.locator("a[href*='/remove']")).to_have_count(1)
            font = page.evaluate("getComputedStyle(document.querySelector('main')).fontFamily")
            assert font.startswith(UI_FONT), f"staff {step} in {font}"
        page.goto(f"/{lang}/staff/supporters")
        supporter = page.locator("main table a[href*='/staff/supporters/']").first
        expect(supporter).to_be_visible()
        supporter.click()
        page.wait_for_url(re.compile(rf"/{lang}/staff/supporters/\d+$"))
        layout(page, f"staff-supporter-{lang}", widths=(NARROW,))
    finally:
        page.close()
