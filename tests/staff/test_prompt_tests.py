"""Staff test a prompt's variants: create a test, write a variant, start it, read the readout in
both languages, and end it with a winner whose copy becomes the prompt's."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, PromptTest, PromptTestStatus, Role
from app.services import prompt_tests
from tests.conftest import csrf_token, page_text
from tests.prompting import active_prompt, make_test


@pytest.fixture
def staff(make_user, auth):
    make_user("staff@example.org", role=Role.STAFF)
    auth.login(email="staff@example.org")


def test_staff_create_a_test_add_a_variant_and_start_it(client, staff):
    """From the prompt's page: a draft test with the prompt as its control, a variant written and
    previewed, then started; readers' pages carry it from then on."""
    prompt = active_prompt()
    page = f"/en/staff/prompts/{prompt.id}"
    response = client.post(f"/en/staff/prompts/{prompt.id}/tests", data={
        "test-name": "Shorter words", "test-minimum_impressions": "500", "test-adaptive": "y",
        "test-csrf_token": csrf_token(client, page)})  # fmt: skip
    test = db.session.scalar(select(PromptTest))
    assert response.headers["Location"] == f"/en/staff/prompt-tests/{test.id}"
    assert (test.name, test.minimum_impressions, test.adaptive) == ("Shorter words", 500, True)
    new = f"/en/staff/prompt-tests/{test.id}/variants/new"
    assert prompt.line_list[0] in page_text(client.get(new))  # starts from the prompt's words
    data = {"name": "Short", "share": "1", "lines": "Free media needs you.", "cta": "Support",
            "amounts": "2, 4", "frequency": "monthly", "highlighted": "4",
            "csrf_token": csrf_token(client, new)}  # fmt: skip
    preview = client.post(new, data={**data, "preview": "Preview"})
    assert "Free media needs you." in page_text(preview) and "$4 a month" in page_text(preview)
    assert len(test.variants) == 1
    client.post(new, data={**data, "submit": "Save"})
    db.session.refresh(test)
    assert [v.monthly_amounts for v in test.variants] == [prompt.monthly_amounts, [200, 400]]
    assert test.variants[1].highlighted_amount == 400
    token = csrf_token(client, f"/en/staff/prompt-tests/{test.id}")
    client.post(f"/en/staff/prompt-tests/{test.id}/start", data={"csrf_token": token})
    db.session.refresh(test)
    assert test.status == PromptTestStatus.RUNNING
    assert prompt_tests.running_test("en").id == test.id
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert {"prompt test created", "prompt variant edited", "prompt test started"} <= set(actions)


def test_a_highlighted_amount_must_be_one_of_the_amounts(client, staff):
    """The main button is one of the variant's amounts, or the form says so."""
    test, _control, _variant = make_test(start=False)
    new = f"/en/staff/prompt-tests/{test.id}/variants/new"
    response = client.post(new, data={"name": "x", "share": "1", "lines": "x", "cta": "x",
                                      "amounts": "2, 4", "frequency": "monthly", "highlighted": "9",
                                      "submit": "Save", "csrf_token": csrf_token(client, new)})  # fmt: skip
    assert "Choose one of the amounts above." in page_text(response)
    assert len(test.variants) == 2


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ["Readout", "Beats the control", "Credible interval", "Not clear yet", "End the test"]),
     ("ar", ["النتائج", "يتفوق على الضابطة", "فترة الموثوقية", "غير واضحة بعد", "أنهِ الاختبار"])],
)  # fmt: skip
def test_the_readout_page_in_both_languages(client, staff, lang, words):
    """The running test's page: each variant's figures and the verdict, in the staff's language."""
    test, _control, variant = make_test()
    prompt_tests.count_page_view(test.prompt_id, "impressions", "a" * 32, variant.id)
    html = client.get(f"/{lang}/staff/prompt-tests/{test.id}").get_data(as_text=True)
    text = page_text(html)
    for word in words:
        assert word in text, word
    assert re.search(rf'<tr data-variant="{variant.id}">', html)
    if lang == "ar":
        assert "Readout" not in text and "Not clear yet" not in text and "Draft" not in text


def test_ending_a_test_with_the_winner_changes_the_prompt(client, staff):
    """Staff choose the winner: the prompt now reads as the variant, and the test is archived."""
    test, _control, variant = make_test()
    page = f"/en/staff/prompt-tests/{test.id}"
    response = client.post(f"{page}/end", data={"winner": str(variant.id),
                                                "csrf_token": csrf_token(client, page)})  # fmt: skip
    assert response.headers["Location"] == page
    db.session.refresh(test)
    assert test.status == PromptTestStatus.ENDED and test.winner.id == variant.id
    assert active_prompt().monthly_amounts == [300, 700, 1500]
    text = page_text(client.get(page))
    assert "The figures are as they stood then." in text and "End the test" not in text
    assert "Reporter in Idlib" in page_text(client.get("/en/staff/prompts"))


def test_the_prompts_words_cannot_change_during_its_test(client, staff):
    """Editing the prompt's words while its test runs says why not, and changes nothing."""
    make_test()
    prompt = active_prompt()
    page = f"/en/staff/prompts/{prompt.id}"
    response = client.post(page, data={
        "lang": "en", "name": prompt.name, "lines": "Other words", "cta": prompt.cta,
        "amounts": "1, 5, 10", "frequency": "monthly", "submit": "Save", "max_shows": "0",
        "show_days": "0", "dismiss_days": "0", "activate": "y", "csrf_token": csrf_token(client, page)})  # fmt: skip
    assert "end it before changing" in page_text(response)
    db.session.expire_all()
    assert active_prompt().lines == prompt.lines


def test_staff_set_the_prompts_rules(client, staff):
    """At most N shows in D days, days hidden after a dismissal, and its sections: saved on the
    prompt (the browser applies them)."""
    prompt = active_prompt()
    page = f"/en/staff/prompts/{prompt.id}"
    client.post(page, data={
        "lang": "en", "name": prompt.name, "lines": prompt.lines, "cta": prompt.cta,
        "amounts": "1, 5, 10", "frequency": "monthly", "submit": "Save", "max_shows": "3",
        "show_days": "7", "dismiss_days": "14", "activate": "y", "csrf_token": csrf_token(client, page)})  # fmt: skip
    db.session.expire_all()
    saved = active_prompt()
    assert (saved.max_shows, saved.show_days, saved.dismiss_days) == (3, 7, 14)


def test_readers_cannot_reach_the_test_pages(client, make_user, auth):
    """A reader gets 404 on a test's page."""
    test, _control, _variant = make_test()
    make_user()
    auth.login()
    assert client.get(f"/en/staff/prompt-tests/{test.id}").status_code == 404
