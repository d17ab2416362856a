"""axe-core in Chromium: no serious or critical violation on reader and staff pages, both languages."""

import pytest

from .steps import article_path, become_member, expect_payment_element, register

pytestmark = [pytest.mark.own_app, pytest.mark.browser]

LANGS = ["en", "ar"]
BLOCKING = ("serious", "critical")
TARGETS_SHOWN = 3


STAFF_PAGES = {
    "overview": "/{lang}/staff/",
    "supporters": "/{lang}/staff/supporters",
    "webhooks": "/{lang}/staff/webhooks",
    "test-mode": "/{lang}/staff/test-mode",
    "cancellations": "/{lang}/staff/cancellations",
    "gifts": "/{lang}/staff/gifts",
    "record-offline-payment": "/{lang}/staff/offline-payments/new",
}


@pytest.fixture(scope="module")
def axe():
    """axe-core, injected into the page by axe-playwright-python."""
    module = pytest.importorskip(
        "axe_playwright_python.sync_playwright",
        reason="axe-playwright-python is not installed: .venv/bin/pip install axe-playwright-python",
    )
    return module.Axe()


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [" ".join(node["target"]) for node in violation["nodes"][:TARGETS_SHOWN]]
        more = len(violation["nodes"]) - len(targets)
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    {', '.join(targets)}{f' (+{more} more)' if more > 0 else ''}\n"
            f"    {violation['helpUrl']}"
        )
    return "\n".join(lines)


def assert_accessible(axe, page) -> None:
    """Run axe on the page as it is; fail on serious or critical violations, listing them."""
    violations = axe.run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    if not blocking:
        return
    report = f"axe: {len(blocking)} serious or critical violation(s) on {page.url}\n"
    report += describe(blocking)
    print(report)
    raise AssertionError(report)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["/{lang}/", article_path("{lang}"), "/{lang}/sign-in/email", "/{lang}/gift"],
                         ids=["home", "article", "sign-in-code", "gift"])  # fmt: skip
def test_signed_out_pages(page, axe, path, lang):
    """The home page and the article (ads and the support prompt shown), sign-in by code and
    the gift form, signed out."""
    page.goto(path.format(lang=lang))
    assert_accessible(axe, page)


@pytest.mark.parametrize("lang", LANGS)
def test_support_page(page, axe, lang):
    """The support form, signed out (the email field shown too)."""
    page.goto(f"/{lang}/support")
    assert_accessible(axe, page)


def test_account_payment_and_member_pages(page, axe):
    """Signed in, both languages: the account page before and after paying, the payment page with
    the stand-in Payment Element, the member's article."""
    register(page, "en")
    for lang in LANGS:
        page.goto(f"/{lang}/account")
        assert_accessible(axe, page)

    def check_the_payment_page(page):
        payment_page = page.url  # /en/support/pay/<key>; the same attempt is payable in Arabic
        for lang in LANGS:
            page.goto(payment_page.replace("/en/", f"/{lang}/", 1))
            expect_payment_element(page, lang)
            assert_accessible(axe, page)
        page.goto(payment_page)
        expect_payment_element(page, "en")

    become_member(page, "en", on_the_payment_page=check_the_payment_page)
    for lang in LANGS:
        page.goto(article_path(lang))
        assert page.locator("[data-versions]").count() == 1  # the member's in-place toggle
        assert_accessible(axe, page)
        page.goto(f"/{lang}/account")
        assert_accessible(axe, page)
        page.goto(f"/{lang}/account/support/cancel")
        assert page.url.endswith(f"/{lang}/account/support/cancel"), page.url
        assert_accessible(axe, page)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", STAFF_PAGES.values(), ids=STAFF_PAGES.keys())
def test_staff_pages(staff_context, axe, path, lang):
    """Staff overview (stats, charts, figures), supporters, webhook ledger, Test mode (customers),
    cancellations, gifts and the offline payment form."""
    page = staff_context.new_page()
    try:
        page.goto(path.format(lang=lang))
        assert page.url.endswith(path.format(lang=lang)), f"not the staff page: {page.url}"
        assert_accessible(axe, page)
    finally:
        page.close()
