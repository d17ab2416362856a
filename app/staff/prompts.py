"""Prompts: how each converts, and editing their words, amounts and rules (with a preview)."""

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import staff_required
from ..extensions import db
from ..i18n import language_name
from ..models import Prompt, PromptTest
from ..services import audit, prompts
from . import bp
from .prompt_forms import PromptForm, PromptTestForm


@bp.get("/<lang>/staff/prompts")
@staff_required
def prompt_list():
    tests = db.session.scalars(select(PromptTest).order_by(PromptTest.id.desc())).all()
    return render_template("staff/prompts.html", rows=prompts.prompt_performance(), tests=tests)


def preview_of(form, lang: str, currency: str) -> prompts.PromptView:
    """A prompt as the form has it, for the preview (never shown to readers)."""
    copy = form.copy()
    return prompts.PromptView(
        id=0, lang=lang, lines=tuple(line.strip() for line in copy["lines"].splitlines() if line.strip()),
        cta=copy["cta"], monthly_amounts=tuple(copy["monthly_amounts"]), currency=currency,
        frequency=copy["frequency"], highlighted_amount=copy["highlighted_amount"],
        article_count=copy["article_count"],
    )  # fmt: skip


@bp.route("/<lang>/staff/prompts/new", methods=["GET", "POST"], defaults={"prompt_id": None})
@bp.route("/<lang>/staff/prompts/<int:prompt_id>", methods=["GET", "POST"])
@staff_required
def prompt_edit(prompt_id):
    prompt = db.session.get(Prompt, prompt_id) if prompt_id else None
    if prompt_id and prompt is None:
        abort(404)
    currency = prompt.currency if prompt else current_app.config["SUPPORT_CURRENCY"]
    sections = [(i, f"{name} ({language_name(section_lang)})")
                for i, name, section_lang in prompts.section_choices()]  # fmt: skip
    form = PromptForm(obj=prompt, currency=currency, sections=sections)
    if request.method == "GET" and prompt is not None:
        form.fill(prompt)
        form.sections.data = list(prompt.section_ids or [])
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = preview_of(form, form.lang.data, currency)
        else:
            audit.record(current_user, "prompt edit", form.name.data, activate=form.activate.data,
                         prompt=prompt_id)  # fmt: skip
            try:
                saved = prompts.save_prompt(
                    prompt, lang=form.lang.data, name=form.name.data, activate=form.activate.data,
                    **form.copy(), **form.rules(),
                )  # fmt: skip
            except prompts.PromptLocked:
                db.session.rollback()
                form.form_errors.append(_("A test of this prompt is running: end it before changing "
                                          "the prompt's words or amounts."))  # fmt: skip
            else:
                flash(_("The prompt has been saved."))
                return redirect(url_for("staff.prompt_edit", lang=g.lang, prompt_id=saved.id))
    return render_template("staff/prompt_edit.html", form=form, prompt=prompt, preview=preview,
                           test_form=PromptTestForm(formdata=None, prefix="test") if prompt else None)  # fmt: skip
