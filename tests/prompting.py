"""Prompt tests as staff make them, for the tests of the prompt's services and pages."""

from sqlalchemy import select

from app.extensions import db
from app.models import Prompt
from app.services import prompt_tests

VARIANT_LINES = "Every dollar keeps a reporter in Idlib.\nGive what you can."


def active_prompt(lang: str = "en") -> Prompt:
    return db.session.scalar(select(Prompt).where(Prompt.lang == lang, Prompt.active))


def make_test(lang: str = "en", *, start: bool = True, adaptive: bool = False, minimum: int = 100,
              article_count: bool = False, share: int = 1):  # fmt: skip
    """A test of the language's active prompt with one variant (other words, $3/$7/$15, $7 on the
    main button, once a year); running unless `start` is False. Returns (test, control, variant)."""
    prompt = active_prompt(lang)
    test = prompt_tests.create_test(prompt, name="Words and amounts", minimum_impressions=minimum,
                                    adaptive=adaptive)  # fmt: skip
    variant = prompt_tests.save_variant(
        test, None, name="Reporter in Idlib", share=share, lines=VARIANT_LINES, cta="Support us",
        monthly_amounts=[300, 700, 1500], frequency="annual", highlighted_amount=700,
        article_count=article_count,
    )  # fmt: skip
    if start:
        prompt_tests.start_test(test)
    return test, test.control, variant
