"""Numeric precision: which one a run or a prediction uses, why, and the autocast that applies it.

``auto`` picks the fastest precision the hardware computes natively: bf16 on GPUs that support it,
else fp16 on CUDA; on a CPU with bf16 instructions (``avx512_bf16`` or ``amx_bf16`` on x86, ``bf16`` on
Arm, read at run time from ``torch.cpu.get_capabilities()``) bf16 autocast, else fp32. A CPU without
those instructions would only emulate bf16, slower than fp32. bf16 and fp32 trained side by side agree
on accuracy (the guard in ``benchmarks/train_throughput.py``; its results in benchmarks/README.md).
Weights and optimizer state stay fp32 either way: autocast only runs matrix multiplies in bf16.

Training applies the choice through ``TrainingArguments(bf16=...)`` (accelerate wraps the model's
forward in ``torch.autocast``, evaluation included); prediction through :func:`autocast`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Literal, Optional

from finetune.errors import ConfigError, expected_found

PrecisionName = Literal["fp32", "fp16", "bf16"]

# CPU capability flags (torch.cpu.get_capabilities) that compute bf16 natively
CPU_BF16_FLAGS = ("amx_bf16", "avx512_bf16", "bf16", "sve_bf16")

# why a precision was picked: fixed sentences, so the page can show each in its language
REASON_CHOSEN = "chosen in the run settings"
REASON_GPU_BF16 = "auto: this GPU computes bf16"
REASON_GPU_FP16 = "auto: this GPU has no bf16, so fp16"
REASON_CPU_BF16 = "auto: this CPU has bf16 instructions, so bf16 autocast"
REASON_CPU_FP32 = "auto: this CPU has no bf16 instructions, so fp32"


@dataclass(frozen=True)
class PrecisionChoice:
    """The precision actually used (``name``) and the reason for it, as the run header reports them."""

    name: PrecisionName
    reason: str

    def describe(self) -> str:
        """'bf16 (auto: this CPU has bf16 instructions, so bf16 autocast)'."""
        return f"{self.name} ({self.reason})"


def cpu_bf16_supported() -> bool:
    """Whether this CPU computes bf16 natively (AMX / AVX-512 BF16 on x86, BF16 on Arm), read at run time."""
    import torch

    capabilities = getattr(torch.cpu, "get_capabilities", None)
    if capabilities is None:  # torch before get_capabilities: no way to know, so no bf16
        return False
    flags = capabilities()
    return any(bool(flags.get(flag)) for flag in CPU_BF16_FLAGS)


def resolve_precision(requested: str, *, cuda: bool, bf16_supported: bool, cpu_bf16: bool = False) -> PrecisionChoice:
    """The precision a run uses for ``requested`` (auto / fp32 / fp16 / bf16) on this hardware, and why.

    ``bf16_supported`` is the GPU's bf16 support, ``cpu_bf16`` the CPU's (both only matter where that
    device runs). An explicit precision the device cannot compute is a ConfigError, not a silent switch.
    """
    if requested == "auto":
        if cuda and bf16_supported:
            return PrecisionChoice("bf16", REASON_GPU_BF16)
        if cuda:
            return PrecisionChoice("fp16", REASON_GPU_FP16)
        if not cpu_bf16:
            return PrecisionChoice("fp32", REASON_CPU_FP32)
        return PrecisionChoice("bf16", REASON_CPU_BF16)
    if requested == "fp16" and not cuda:
        raise ConfigError(
            expected_found(
                "precision",
                "'auto', 'fp32' or 'bf16' on a machine without a CUDA GPU",
                "'fp16'",
                "Choose auto or fp32.",
            )
        )
    if requested == "bf16" and not cuda and not cpu_bf16:
        raise ConfigError(
            expected_found(
                "precision",
                "'auto' or 'fp32' on a CPU without bf16 instructions (avx512_bf16, amx_bf16)",
                "'bf16'",
                "Choose auto or fp32.",
            )
        )
    if requested == "bf16" and cuda and not bf16_supported:
        raise ConfigError(expected_found("precision", "fp16 or auto on this GPU (no bf16 support)", "'bf16'"))
    return PrecisionChoice(requested, REASON_CHOSEN)  # type: ignore[arg-type]


def detect_precision(requested: str, device_type: Optional[str] = None) -> PrecisionChoice:
    """:func:`resolve_precision` for this machine: ``device_type`` 'cuda' or 'cpu' (default: CUDA when present)."""
    import torch

    cuda = torch.cuda.is_available() if device_type is None else device_type == "cuda"
    gpu_bf16 = bool(cuda and torch.cuda.is_bf16_supported())
    return resolve_precision(requested, cuda=cuda, bf16_supported=gpu_bf16, cpu_bf16=cpu_bf16_supported())


def autocast(precision: str, device_type: str) -> Any:
    """The context a forward pass runs in: ``torch.autocast`` for bf16 / fp16, nothing for fp32."""
    import torch

    if precision == "bf16":
        return torch.autocast(device_type, dtype=torch.bfloat16)
    if precision == "fp16":
        return torch.autocast(device_type, dtype=torch.float16)
    return contextlib.nullcontext()
