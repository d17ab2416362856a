"""The support choice a prompt link preselects (frequency, amount)."""

from dataclasses import dataclass

FREQUENCIES = ("monthly", "annual", "once")
MIN_AMOUNT = 100
MAX_AMOUNT = 1_000_000


@dataclass(frozen=True)
class SupportChoice:
    frequency: str
    amount: int | None  # minor units; None means "another amount"
    prompt_id: int | None


def parse_support_choice(args) -> SupportChoice:
    """Read `?frequency=&amount=&prompt=`; anything unreadable falls back to $1 a month."""
    frequency = args.get("frequency", "monthly")
    if frequency not in FREQUENCIES:
        frequency = "monthly"
    amount = args.get("amount", type=int)
    if args.get("amount") == "other" or (
        amount is not None and not MIN_AMOUNT <= amount <= MAX_AMOUNT
    ):
        amount = None
    elif amount is None and frequency != "once":
        amount = MIN_AMOUNT
    return SupportChoice(frequency=frequency, amount=amount, prompt_id=args.get("prompt", type=int))
