"""Field value checks shared by the config sections: each error names the field, what was expected and found."""

from __future__ import annotations

import math
from typing import Any

from finetune.errors import ConfigError, expected_found


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(expected_found(name, f"one of {', '.join(choices)}", repr(value)))


def check_positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(expected_found(name, "a whole number > 0", repr(value)))


def check_non_negative_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(expected_found(name, "a whole number >= 0", repr(value)))


def check_positive_number(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or math.isinf(value):
        raise ConfigError(expected_found(name, "a number > 0", repr(value)))
