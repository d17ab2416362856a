"""Prompts: how each converts, and editing their words and amounts (with a preview)."""

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import currency as money_units
from ..auth import staff_required
from ..extensions import db
from ..models import Prompt
from ..services import audit, prompts
from . import bp
from .forms import PromptForm


@bp.get("/<lang>/staff/prompts")
@staff_required
def prompt_list():
    return render_template("staff/prompts.html", rows=prompts.prompt_performance())


@bp.route("/<lang>/staff/prompts/new", methods=["GET", "POST"], defaults={"prompt_id": None})
@bp.route("/<lang>/staff/prompts/<int:prompt_id>", methods=["GET", "POST"])
@staff_required
def prompt_edit(prompt_id):
    prompt = db.session.get(Prompt, prompt_id) if prompt_id else None
    if prompt_id and prompt is None:
        abort(404)
    currency = prompt.currency if prompt else current_app.config["SUPPORT_CURRENCY"]
    form = PromptForm(obj=prompt, currency=currency)
    if request.method == "GET" and prompt is not None:
        form.amounts.data = ", ".join(
            money_units.plain(amount, currency) for amount in prompt.monthly_amounts
        )
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = prompts.PromptView(id=0, lang=form.lang.data, lines=tuple(
                line.strip() for line in form.lines.data.splitlines() if line.strip()),
                cta=form.cta.data, monthly_amounts=tuple(form.minor_amounts),
                currency=currency)  # fmt: skip
        else:
            audit.record(current_user, "prompt edit", form.name.data, activate=form.activate.data,
                         prompt=prompt_id)  # fmt: skip
            saved = prompts.save_prompt(
                prompt, lang=form.lang.data, name=form.name.data, lines=form.lines.data, cta=form.cta.data,
                monthly_amounts=form.minor_amounts, activate=form.activate.data,
            )  # fmt: skip
            flash(_("The prompt has been saved."))
            return redirect(url_for("staff.prompt_edit", lang=g.lang, prompt_id=saved.id))
    return render_template("staff/prompt_edit.html", form=form, prompt=prompt, preview=preview)
