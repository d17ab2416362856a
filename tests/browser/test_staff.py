"""The staff dashboard's own controls, beyond what the reader's journey passes through."""

import pytest

from .steps import expect

pytestmark = [pytest.mark.own_app, pytest.mark.browser]

NO_DATA = 'class="no_data"'  # the placeholder pygal draws instead of the series


def test_the_supporters_filter_form_filters(staff_context):
    """Staff submit the supporters list's filter form (search and status): the list answers."""
    page = staff_context.new_page()
    try:
        page.goto("/en/staff/supporters")
        page.fill("main input[name=q]", "example.org")
        page.select_option("main select[name=status]", "active")
        with page.expect_navigation() as navigation:
            page.locator("main form.filters [type=submit]").click()
        status = navigation.value.status
        assert status == 200, f"the filtered list answered {status}"
        expect(page.locator("main input[name=q]")).to_have_value("example.org")
        expect(page.locator("main select[name=status]")).to_have_value("active")
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_overview_charts_draw_their_figures(staff_context, lang):
    """Both chart SVGs of the overview draw their series, not pygal's "No data" placeholder."""
    page = staff_context.new_page()
    try:
        page.goto(f"/{lang}/staff/")
        charts = page.evaluate(
            "Promise.all([...document.querySelectorAll('main figure.chart img')].map(img =>"
            " fetch(img.src).then(async r => [img.getAttribute('src'), r.status, await r.text()])))"
        )
        assert len(charts) == 2, f"{len(charts)} chart images on the overview"
        for src, status, svg in charts:
            assert status == 200, f"{src} answered {status}"
            assert NO_DATA not in svg, f"{src} draws 'No data' instead of its series"
    finally:
        page.close()
