"""`flask demo seed` and `flask demo prompt-test`: realistic data the staff pages can read."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Membership, Payment, PromptTest, PromptTestStatus, Role, User, WebhookEvent
from app.services import metrics, prompt_figures, prompt_tests, prompts
from tests.conftest import page_text


def test_seed_builds_supporters_with_a_year_of_history(runner):
    """Seeding adds supporters with memberships, payments and about ten events each."""
    result = runner.invoke(args=["demo", "seed", "--supporters", "60"])
    assert result.exit_code == 0, result.output
    assert "60 supporters" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 60
    assert db.session.scalar(select(func.count(Membership.id))) == 60
    events = db.session.scalar(select(func.count()).select_from(WebhookEvent))
    assert 5 * 60 < events < 20 * 60
    assert db.session.scalar(select(func.count(Payment.id))) > 60
    figures = metrics.overview()
    assert figures.active_supporters > 30 and figures.mrr["usd"] > 0
    assert sum(new for _, new, _ in metrics.weekly_movements()) > 0


def test_accounts_made_after_seeding_get_fresh_ids(runner, make_user):
    """Seeding gives explicit ids; new accounts afterwards must not collide with them."""
    runner.invoke(args=["demo", "seed", "--supporters", "5"])
    assert make_user("after@example.org").id > 5


def test_the_demonstration_prompt_test_runs_with_a_readout(runner, client, make_user, auth):
    """`flask demo prompt-test`: the English prompt's control against two variants, running, with
    two weeks of impressions, clicks and payments in its readout; staff read it in both
    languages; run again, it adds nothing."""
    result = runner.invoke(args=["demo", "prompt-test"])
    assert result.exit_code == 0, result.output
    [test] = db.session.scalars(select(PromptTest)).all()
    assert f"/en/staff/prompt-tests/{test.id}" in result.output
    assert test.status == PromptTestStatus.RUNNING and test.prompt.lang == "en"
    assert len(test.variants) == 3 and test.control.name == "Control"
    assert prompt_tests.running_test("en").id == test.id

    figures = prompt_figures.readout_of(test).variants
    assert [v.is_control for v in figures] == [True, False, False]
    assert all(v.impressions > 1000 and v.clicks > 0 for v in figures)
    assert [(v.started, v.completed) for v in figures] == [(7, 4), (14, 9), (5, 2)]
    middle = test.prompt.monthly_amounts[len(test.prompt.monthly_amounts) // 2]
    currency = test.prompt.currency
    assert [v.revenue for v in figures] == [{currency: n * middle} for n in (4, 9, 2)]
    assert all(0 < v.conversion < 0.01 for v in figures)
    assert sum(p.impressions for p in prompts.prompt_performance() if p.prompt.id == test.prompt_id)

    make_user("staff@example.org", role=Role.STAFF)
    auth.login(email="staff@example.org")
    for lang, word in (("en", "Beats the control"), ("ar", "يتفوق على الضابطة")):
        page = client.get(f"/{lang}/staff/prompt-tests/{test.id}")
        assert page.status_code == 200 and word in page_text(page)
        assert page.get_data(as_text=True).count("<tr data-variant=") == 3

    again = runner.invoke(args=["demo", "prompt-test"])
    assert again.exit_code == 0 and "no demonstration test added" in again.output
    assert db.session.scalar(select(func.count(PromptTest.id))) == 1
