"""Stripe's form encoding (`items[0][price_data][unit_amount]=100`) and the reading of its values.

Values stay strings as sent; the helpers convert them and raise Stripe's 400 on bad input.
"""

from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from .errors import invalid, unknown_parameter


def decode(encoded: str) -> dict[str, Any]:
    """`a[b][0][c]=v&e[]=x` into nested dicts and lists (`[]` appends, digits index)."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(encoded, keep_blank_values=True):
        name, _, rest = key.partition("[")
        path = [name] + (rest[:-1].split("][") if rest else [])
        node: Any = root
        for depth, part in enumerate(path):
            last = depth == len(path) - 1
            if part == "":  # `e[]=x`: the next index of a list
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    value = {key: _lists(item) for key, item in value.items()}
    if value and all(key.isdigit() for key in value):
        return [value[key] for key in sorted(value, key=int)]
    return value


def check_known(
    params: dict[str, Any], allowed: Iterable[str], prefix: str = "", shown: str = ""
) -> None:
    """Stripe's 400 parameter_unknown for the first parameter not in `allowed`.

    `allowed` holds dotted names ("items.price_data.currency"); a name allows everything below
    it unless deeper names with it as stem are listed; list indexes are not part of the names.
    """
    allowed = set(allowed)
    for key, value in params.items():
        name = f"{prefix}.{key}" if prefix else key
        label = f"{shown}[{key}]" if shown else key
        if name not in allowed:
            raise unknown_parameter(label)
        if not any(a.startswith(name + ".") for a in allowed):
            continue
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    check_known(item, allowed, name, f"{label}[{index}]")
        elif isinstance(value, dict):
            check_known(value, allowed, name, label)


def as_int(params: dict[str, Any], key: str, param: str | None = None) -> int | None:
    """`params[key]` as an integer, None when absent; 400 invalid_integer otherwise."""
    value = params.get(key)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(
            f"Invalid integer: {value}", param=param or key, code="parameter_invalid_integer"
        ) from None


def as_bool(params: dict[str, Any], key: str, default: bool = False) -> bool:
    """`params[key]` ("true"/"false") as a boolean; 400 on anything else."""
    value = params.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise invalid(f"Invalid boolean: {value}", param=key)


def as_list(params: dict[str, Any], key: str) -> list[Any]:
    """`params[key]` as a list ([] when absent)."""
    value = params.get(key)
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def require(params: dict[str, Any], key: str, param: str | None = None) -> Any:
    """`params[key]`, or Stripe's 400 parameter_missing."""
    value = params.get(key)
    if value is None or value == "":
        name = param or key
        raise invalid(f"Missing required param: {name}.", param=name, code="parameter_missing")
    return value


def choice(params: dict[str, Any], key: str, options: Iterable[str], default: str | None) -> Any:
    """`params[key]` if one of `options`, `default` when absent, else Stripe's invalid enum 400."""
    value = params.get(key)
    if value is None or value == "":
        return default
    options = list(options)
    if value not in options:
        raise invalid(
            f"Invalid {key}: must be one of {', '.join(options)}",
            param=key,
            code="parameter_invalid_string",
        )
    return value


def merge_metadata(current: dict[str, str], given: Any) -> dict[str, str]:
    """Metadata after an update: keys set, `""` values removed, `metadata=""` clears all.

    https://docs.stripe.com/api/metadata
    """
    if given is None:
        return current
    if given == "":
        return {}
    if not isinstance(given, dict):
        raise invalid("Invalid metadata: must be a hash", param="metadata")
    merged = dict(current)
    for key, value in given.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return merged
