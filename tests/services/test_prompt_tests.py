"""Prompt tests: writing and starting one, counting per variant once per page view, the split,
and ending it with a winner whose copy becomes the prompt's."""

import uuid

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import PaymentAttempt, PromptStat, PromptTestStatus, PromptVariantStat, User
from app.services import prompt_figures, prompt_tests, prompts
from tests.prompting import VARIANT_LINES, active_prompt, make_test


def view_id(n: int) -> str:
    return f"{n:032x}"


def variant_counts(variant_id):
    row = db.session.execute(
        select(func.sum(PromptVariantStat.impressions), func.sum(PromptVariantStat.clicks))
        .where(PromptVariantStat.variant_id == variant_id)
    ).one()  # fmt: skip
    return int(row[0] or 0), int(row[1] or 0)


def prompt_impressions(prompt_id):
    return int(db.session.scalar(
        select(func.sum(PromptStat.impressions)).where(PromptStat.prompt_id == prompt_id)) or 0)  # fmt: skip


def attempt(user, variant, status="started", amount=300):
    """A payment attempt started from `variant` (as checkout makes them), in `status`."""
    row = PaymentAttempt(key=uuid.uuid4().hex, user=user,
                         kind="subscription", amount=amount, currency="usd", interval="month",
                         status=status, prompt_id=variant.test.prompt_id, variant_id=variant.id)  # fmt: skip
    db.session.add(row)
    db.session.flush()
    return row


def test_a_new_test_holds_the_prompts_copy_as_its_control():
    """A draft test starts with a control whose copy is the prompt's own."""
    test, control, _variant = make_test(start=False)
    prompt = active_prompt()
    assert test.status == PromptTestStatus.DRAFT
    assert control.is_control and control.lines == prompt.lines
    assert control.monthly_amounts == prompt.monthly_amounts
    assert prompt_tests.running_test("en") is None


def test_a_started_test_is_what_pages_show():
    """Started, the test's variants are what the language's pages carry, the control first, each
    with its copy and its share of the split."""
    test, control, variant = make_test(share=3)
    shown = prompt_tests.running_test("en")
    assert shown.id == test.id and shown.control_id == control.id
    assert [v.id for v in shown.variants] == [control.id, variant.id]
    assert shown.variants[1].lines == tuple(VARIANT_LINES.splitlines())
    assert shown.variants[1].highlighted == 700 and shown.variants[1].frequency == "annual"
    assert shown.split == {control.id: 0.25, variant.id: 0.75}
    assert prompt_tests.running_test("ar") is None


def test_a_test_needs_a_variant_and_the_active_prompt():
    """No variant besides the control, or a prompt that is not active: the test does not start;
    nor does a second test of a prompt already being tested."""
    prompt = active_prompt()
    lonely = prompt_tests.create_test(prompt, name="x", minimum_impressions=10, adaptive=False)
    with pytest.raises(prompt_tests.PromptTestRefused, match="no_variants"):
        prompt_tests.start_test(lonely)
    make_test()
    test, _control, _variant = make_test(start=False)
    with pytest.raises(prompt_tests.PromptTestRefused, match="already_running"):
        prompt_tests.start_test(test)


def test_variants_do_not_change_once_the_test_runs():
    """A running test's variants are fixed: editing one is refused."""
    test, _control, variant = make_test()
    with pytest.raises(prompt_tests.PromptTestRefused, match="not_draft"):
        prompt_tests.save_variant(test, variant, name="x", share=1, **variant.copy_fields())


def test_the_prompts_copy_is_locked_while_it_is_tested():
    """The prompt is the control: its words cannot change while the test runs; its rules can."""
    make_test()
    prompt = active_prompt()
    with pytest.raises(prompts.PromptLocked):
        prompts.save_prompt(prompt, lang="en", name=prompt.name, lines="New words", cta=prompt.cta,
                            monthly_amounts=prompt.monthly_amounts, activate=True)  # fmt: skip
    db.session.rollback()
    prompt = active_prompt()
    prompts.save_prompt(prompt, lang="en", name=prompt.name, lines=prompt.lines, cta=prompt.cta,
                        monthly_amounts=prompt.monthly_amounts, activate=True, max_shows=3,
                        show_days=7)  # fmt: skip
    assert active_prompt().max_shows == 3


def test_a_page_view_counts_once_per_event():
    """However many beacons one page view sends, it counts one impression (for the prompt and the
    variant shown) and one click (for the variant)."""
    test, _control, variant = make_test()
    for _ in range(5):
        assert prompt_tests.count_page_view(test.prompt_id, "impressions", view_id(1), variant.id)
        assert prompt_tests.count_page_view(test.prompt_id, "clicks", view_id(1), variant.id)
    assert variant_counts(variant.id) == (1, 1)
    assert prompt_impressions(test.prompt_id) == 1
    prompt_tests.count_page_view(test.prompt_id, "impressions", view_id(2), variant.id)
    assert variant_counts(variant.id) == (2, 1)


def test_beacons_out_of_place_count_nothing_for_the_test():
    """A malformed page-view id or event is refused; a variant of another prompt, or of a test
    that has ended, counts nothing for a test."""
    test, control, variant = make_test()
    assert not prompt_tests.count_page_view(test.prompt_id, "impressions", "not-an-id", variant.id)
    assert not prompt_tests.count_page_view(test.prompt_id, "purchases", view_id(3), variant.id)
    other_prompt = active_prompt("ar")
    prompt_tests.count_page_view(other_prompt.id, "impressions", view_id(4), variant.id)
    prompt_tests.end_test(test, control)
    prompt_tests.count_page_view(test.prompt_id, "impressions", view_id(5), variant.id)
    assert variant_counts(variant.id) == (0, 0)


def test_the_readout_counts_each_variants_funnel(make_user):
    """Impressions and clicks from the beacons, payments started and completed from the attempts
    the variant's readers made, per variant."""
    test, control, variant = make_test()
    for n in range(4):
        prompt_tests.count_page_view(test.prompt_id, "impressions", view_id(10 + n), variant.id)
    prompt_tests.count_page_view(test.prompt_id, "impressions", view_id(20), control.id)
    prompt_tests.count_page_view(test.prompt_id, "clicks", view_id(10), variant.id)
    user = make_user()
    attempt(user, variant, "succeeded")
    attempt(user, variant, "started")
    readout = prompt_figures.readout_of(test)
    rows = {row.id: row for row in readout.variants}
    assert [row.id for row in readout.variants] == [control.id, variant.id]
    mine = rows[variant.id]
    assert (mine.impressions, mine.clicks, mine.started, mine.completed) == (4, 1, 2, 1)
    assert mine.conversion == 0.25 and rows[control.id].conversion == 0.0
    assert rows[control.id].beats_control is None
    # Control 0 of 1: Beta(1,2), F_A = 2x - x^2; variant 1 of 4: Beta(2,4), f_B = 20x(1-x)^3.
    # P(B > A) = 20 (2 B(3,4) - B(4,4)) = 20 (1/30 - 1/140) = 11/21; far from clear.
    assert mine.beats_control == pytest.approx(11 / 21, abs=1e-9) and not mine.clear


def test_ending_a_test_makes_the_winners_copy_the_prompts_and_archives_the_figures(make_user):
    """The winner's words, amounts, frequency and main button become the prompt's; the test keeps
    its readout as it stood, and later beacons or payments do not change it."""
    test, _control, variant = make_test()
    prompt_tests.count_page_view(test.prompt_id, "impressions", view_id(30), variant.id)
    prompt_tests.end_test(test, variant)
    prompt = active_prompt()
    assert prompt.lines == VARIANT_LINES and prompt.monthly_amounts == [300, 700, 1500]
    assert (prompt.frequency, prompt.highlighted_amount) == ("annual", 700)
    assert test.status == PromptTestStatus.ENDED and test.winner.id == variant.id
    assert test.ended_at is not None and test.figures["variants"][1]["impressions"] == 1
    attempt(make_user(), variant, "succeeded")
    archived = prompt_figures.readout_of(test)
    assert archived.variants[1].impressions == 1 and archived.variants[1].completed == 0
    assert prompt_tests.running_test("en") is None


def test_payments_started_from_a_variant_are_attributed_to_it(client):
    """The support form carries the variant shown; the attempt it starts keeps it, and an unknown
    variant (or one of another prompt) is dropped."""
    from tests.paying import start

    test, _control, variant = make_test()
    start(client, email="new@example.org", prompt=str(test.prompt_id), variant=str(variant.id))
    start(client, email="other@example.org", prompt=str(test.prompt_id), variant="999999")
    attempts = db.session.scalars(select(PaymentAttempt).join(User).order_by(User.email)).all()
    assert [(a.user.email, a.variant_id) for a in attempts] == [
        ("new@example.org", variant.id), ("other@example.org", None)
    ]  # fmt: skip


def test_a_fixed_split_is_the_staffs_shares():
    """Without Thompson sampling new readers are split by the staff's shares."""
    _test, control, variant = make_test(share=4)
    assert prompt_tests.current_weights("en") == {control.id: 0.2, variant.id: 0.8}


def test_an_adaptive_split_follows_the_results_above_the_floor(make_user):
    """With Thompson sampling the variant that converts better gets most new readers, and the
    other keeps at least its floor."""
    test, control, variant = make_test(adaptive=True)
    for n in range(40):
        prompt_tests.count_page_view(test.prompt_id, "impressions", view_id(100 + n), variant.id)
        prompt_tests.count_page_view(test.prompt_id, "impressions", view_id(200 + n), control.id)
    user = make_user()
    for _ in range(8):
        attempt(user, variant, "succeeded")
    weights = prompt_tests.current_weights("en")
    assert weights[variant.id] > 0.9
    assert weights[control.id] >= 0.05 - 1e-9
    assert sum(weights.values()) == pytest.approx(1.0)


def test_the_article_count_line_ships_every_arabic_plural_form(app):
    """Arabic has six plural forms, each its own words (1: one article; 2: two; 3-10; 11-99)."""
    with app.test_request_context():
        forms = prompt_tests.article_count_forms("ar")
        english = prompt_tests.article_count_forms("en")
    assert set(forms) == {"zero", "one", "two", "few", "many", "other"}
    assert len(set(forms.values())) == 6
    assert "{count}" in forms["few"] and "{count}" in forms["many"]
    assert set(english) == {"one", "other"} and "{count} articles" in english["other"]
