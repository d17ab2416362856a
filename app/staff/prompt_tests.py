"""Prompt tests: a test's readout and settings, its variants, starting it and ending it with a winner."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth import staff_required
from ..extensions import db
from ..models import Prompt, PromptTest, PromptTestStatus, PromptVariant
from ..services import audit, prompt_figures, prompt_tests
from . import bp
from .prompt_forms import EndTestForm, PromptTestForm, ShareForm, StartTestForm, VariantForm
from .prompts import preview_of

REFUSALS = {
    "ended": _l("This test has ended; its figures are archived."),
    "not_draft": _l("Variants can only change before the test starts."),
    "too_many": _l("A test has at most five variants besides the control."),
    "frequency": _l("Choose how often the amounts are offered."),
    "no_variants": _l("Add a variant to compare with the control first."),
    "inactive_prompt": _l("Only the active prompt of its language can be tested."),
    "already_running": _l("A test of this prompt is already running."),
    "not_running": _l("This test is not running."),
    "not_a_variant": _l("Choose one of this test's variants."),
}


def _test(test_id: int) -> PromptTest:
    return db.session.get(PromptTest, test_id) or abort(404)


@bp.post("/<lang>/staff/prompts/<int:prompt_id>/tests")
@staff_required
def prompt_test_new(prompt_id):
    prompt = db.session.get(Prompt, prompt_id) or abort(404)
    form = PromptTestForm(prefix="test")
    if not form.validate_on_submit():
        flash(_("Give the test a name and a minimum of impressions."))
        return redirect(url_for("staff.prompt_edit", lang=g.lang, prompt_id=prompt.id))
    test = prompt_tests.create_test(prompt, name=form.name.data, adaptive=form.adaptive.data,
                                    minimum_impressions=form.minimum_impressions.data)  # fmt: skip
    audit.record(current_user, "prompt test created", test.name, test=test.id, prompt=prompt.id)
    db.session.commit()
    return redirect(url_for("staff.prompt_test", lang=g.lang, test_id=test.id))


@bp.route("/<lang>/staff/prompt-tests/<int:test_id>", methods=["GET", "POST"])
@staff_required
def prompt_test(test_id):
    """The readout, and the test's settings (name, minimum, adaptive split)."""
    test = _test(test_id)
    form = PromptTestForm(obj=test)
    if test.status != PromptTestStatus.ENDED and form.validate_on_submit():
        prompt_tests.update_test(test, name=form.name.data, adaptive=form.adaptive.data,
                                 minimum_impressions=form.minimum_impressions.data)  # fmt: skip
        flash(_("The test has been saved."))
        return redirect(url_for("staff.prompt_test", lang=g.lang, test_id=test.id))
    return render_template(
        "staff/prompt_test.html", test=test, form=form, readout=prompt_figures.readout_of(test),
        start_form=StartTestForm(), end_form=EndTestForm(variants=test.variants),
        weights=prompt_tests.weights(test) if test.status == PromptTestStatus.RUNNING else None,
    )  # fmt: skip


@bp.post("/<lang>/staff/prompt-tests/<int:test_id>/start")
@staff_required
def prompt_test_start(test_id):
    test = _test(test_id)
    if StartTestForm().validate_on_submit():
        return _act(
            test, "prompt test started", prompt_tests.start_test, _("The test has started.")
        )
    return redirect(url_for("staff.prompt_test", lang=g.lang, test_id=test.id))


@bp.post("/<lang>/staff/prompt-tests/<int:test_id>/end")
@staff_required
def prompt_test_end(test_id):
    test = _test(test_id)
    form = EndTestForm(variants=test.variants)
    if not form.validate_on_submit():
        flash(_("Choose the winner."))
        return redirect(url_for("staff.prompt_test", lang=g.lang, test_id=test.id))
    winner = db.session.get(PromptVariant, form.winner.data) or abort(404)
    return _act(test, "prompt test ended", lambda t: prompt_tests.end_test(t, winner),
                _("The test has ended: the winner's copy is now the prompt's."), winner=winner.name)  # fmt: skip


def _act(test: PromptTest, action: str, change, done: str, **details):
    try:
        change(test)
    except prompt_tests.PromptTestRefused as refused:
        db.session.rollback()
        flash(str(REFUSALS[refused.reason]))
    else:
        audit.record(current_user, action, test.name, test=test.id, **details)
        db.session.commit()
        flash(done)
    return redirect(url_for("staff.prompt_test", lang=g.lang, test_id=test.id))


@bp.route("/<lang>/staff/prompt-tests/<int:test_id>/variants/new", methods=["GET", "POST"],
          defaults={"variant_id": None})  # fmt: skip
@bp.route(
    "/<lang>/staff/prompt-tests/<int:test_id>/variants/<int:variant_id>", methods=["GET", "POST"]
)
@staff_required
def prompt_variant(test_id, variant_id):
    """A variant's copy and share (the control's: its share), while the test is a draft."""
    test = _test(test_id)
    variant = db.session.get(PromptVariant, variant_id) if variant_id else None
    if variant_id and (variant is None or variant.test_id != test.id):
        abort(404)
    control = variant is not None and variant.is_control
    currency = test.prompt.currency
    form = ShareForm(obj=variant) if control else VariantForm(obj=variant, currency=currency)
    if request.method == "GET" and variant is not None and not control:
        form.fill(variant)
    elif request.method == "GET" and variant is None:
        form.fill(test.prompt)  # a new variant starts from the prompt's copy
    preview = None
    if form.validate_on_submit():
        if not control and form.preview.data:
            preview = preview_of(form, test.prompt.lang, currency)
        else:
            copy = {} if control else form.copy()
            try:
                saved = prompt_tests.save_variant(test, variant, name=form.name.data,
                                                  share=form.share.data, **copy)  # fmt: skip
            except prompt_tests.PromptTestRefused as refused:
                db.session.rollback()
                form.form_errors.append(str(REFUSALS[refused.reason]))
            else:
                audit.record(current_user, "prompt variant edited", saved.name, test=test.id,
                             variant=saved.id)  # fmt: skip
                db.session.commit()
                flash(_("The variant has been saved."))
                return redirect(url_for("staff.prompt_test", lang=g.lang, test_id=test.id))
    return render_template("staff/prompt_variant.html", test=test, variant=variant, form=form,
                           control=control, preview=preview)  # fmt: skip
