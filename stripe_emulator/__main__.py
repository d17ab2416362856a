"""`python -m stripe_emulator`: serve the emulator over HTTP (werkzeug, threaded), delivering
webhooks from a background thread."""

import argparse
import logging
import sys

from werkzeug.serving import run_simple

from .emulator import Emulator


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m stripe_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", help="where events are POSTed")
    parser.add_argument("--webhook-secret", default="whsec_emulator")
    parser.add_argument("--state", help="JSON state file (loaded at start, saved on changes)")
    parser.add_argument("--shuffle", action="store_true", help="deliver events 1-3 times, shuffled")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--public-url", help="base of the links it makes (default: its address)")
    parser.add_argument("--after-retries", choices=("cancel", "unpaid"), default="cancel")
    args = parser.parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="stripe-emulator: %(message)s"
    )
    # One line per request comes from the emulator itself; werkzeug's own access log would repeat it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    emulator = Emulator(
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        delivery="thread",
        shuffle=args.shuffle,
        seed=args.seed,
        state_path=args.state,
        public_url=args.public_url or f"http://{args.host}:{args.port}",
        after_retries=args.after_retries,
    )
    try:
        run_simple(args.host, args.port, emulator.wsgi, threaded=True, use_reloader=False)
    finally:
        emulator.close()


if __name__ == "__main__":
    main()
