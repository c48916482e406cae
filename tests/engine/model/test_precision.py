"""Precision: auto picks bf16 autocast on a CPU with bf16 instructions and fp32 on one without (read at run
time), fp32 stays selectable, and the autocast really computes in the precision picked."""

from __future__ import annotations

import pytest
import torch

from finetune.errors import ConfigError
from finetune.model.precision import (
    REASON_CHOSEN,
    REASON_CPU_BF16,
    REASON_CPU_FP32,
    autocast,
    cpu_bf16_supported,
    detect_precision,
    resolve_precision,
)
from tests.helpers import fake_cpu_flags


def test_auto_on_a_gpu_picks_bf16_or_fp16():
    assert resolve_precision("auto", cuda=True, bf16_supported=True).name == "bf16"
    assert resolve_precision("auto", cuda=True, bf16_supported=False).name == "fp16"
    with pytest.raises(ConfigError, match="no bf16 support"):
        resolve_precision("bf16", cuda=True, bf16_supported=False)


def test_auto_on_a_cpu_follows_its_bf16_instructions():
    with_bf16 = resolve_precision("auto", cuda=False, bf16_supported=False, cpu_bf16=True)
    without = resolve_precision("auto", cuda=False, bf16_supported=False, cpu_bf16=False)
    assert (with_bf16.name, with_bf16.reason) == ("bf16", REASON_CPU_BF16)
    assert (without.name, without.reason) == ("fp32", REASON_CPU_FP32)
    # fp32 stays selectable everywhere, bf16 explicitly where the CPU has it
    assert resolve_precision("fp32", cuda=False, bf16_supported=False, cpu_bf16=True).name == "fp32"
    chosen = resolve_precision("bf16", cuda=False, bf16_supported=False, cpu_bf16=True)
    assert (chosen.name, chosen.reason) == ("bf16", REASON_CHOSEN)
    with pytest.raises(ConfigError, match="without bf16 instructions"):
        resolve_precision("bf16", cuda=False, bf16_supported=False, cpu_bf16=False)
    with pytest.raises(ConfigError, match="without a CUDA GPU"):
        resolve_precision("fp16", cuda=False, bf16_supported=False, cpu_bf16=True)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"avx512_bf16": True}, True),
        ({"amx_bf16": True, "avx512_bf16": False}, True),
        ({"avx512_f": True, "avx2": True}, False),
        ({}, False),
    ],
)
def test_cpu_bf16_is_read_from_the_cpu_capabilities(monkeypatch, flags, expected):
    fake_cpu_flags(monkeypatch, **flags)
    assert cpu_bf16_supported() is expected
    assert detect_precision("auto", "cpu").name == ("bf16" if expected else "fp32")


def test_a_torch_without_capabilities_falls_back_to_fp32(monkeypatch):
    monkeypatch.delattr(torch.cpu, "get_capabilities")
    assert detect_precision("auto", "cpu").name == "fp32"


def test_autocast_runs_matrix_multiplies_in_bf16_and_fp32_stays_fp32():
    layer = torch.nn.Linear(4, 4)
    x = torch.randn(2, 4)
    with autocast("bf16", "cpu"):
        assert layer(x).dtype == torch.bfloat16
    with autocast("fp32", "cpu"):
        assert layer(x).dtype == torch.float32
