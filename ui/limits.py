"""Public mode's caps: what one visitor, and all of them together, may ask of a shared server.

A Space is one machine for everyone: without caps one script queued runs under many made-up visitor ids,
asked for 100,000 epochs, and filled the disk with uploads. Outside public mode (your own machine) nothing
here applies.
"""

from __future__ import annotations

from finetune.config.run_config import RunConfig
from finetune.errors import ConfigError, JobBusyError
from finetune.runs.run import RunStatus, queued_runs, run_states

from .i18n import say
from .settings import Settings

RUNS_PER_VISITOR = 1  # queued or active runs one visitor may have at a time
QUEUED_RUNS = 6  # queued runs of all visitors together
MAX_EPOCHS = 20.0
MAX_STEPS = 20_000
UPLOAD_CLEANUP = (900, 6 * 3600)  # gradio delete_cache: every 15 minutes, uploads older than 6 hours go
# Sessions whose state the server keeps (gradio's state_session_capacity, least recently used dropped first).
# gradio keeps a copy of every component's config per session, API calls included (each /call/ is a session of
# its own), and keeps 10,000 by default: memory grew with every API call (benchmarks/api_load.py). A page in
# use stays among the recent ones; one dropped after long idleness is told to reopen the page.
SESSIONS_KEPT = 200


def check_start(settings: Settings, config: RunConfig, owner: str | None) -> None:
    """Public mode: refuse a training beyond the caps (the visitor's runs, the queue, epochs and steps), saying
    which cap and what to do."""
    if not settings.public:
        return
    train = config.train
    if float(train.num_train_epochs) > MAX_EPOCHS and not (train.max_steps and train.max_steps > 0):
        raise ConfigError(
            say(
                "This shared studio trains at most {limit} epochs per run; {asked} were asked. Lower the epochs, "
                "or run the studio on your own machine for longer trainings.",
                limit=f"{MAX_EPOCHS:g}",
                asked=f"{float(train.num_train_epochs):g}",
            )
        )
    if train.max_steps and train.max_steps > MAX_STEPS:
        raise ConfigError(
            say(
                "This shared studio trains at most {limit} steps per run; {asked} were asked. Lower max steps, "
                "or run the studio on your own machine for longer trainings.",
                limit=f"{MAX_STEPS:,}",
                asked=f"{train.max_steps:,}",
            )
        )
    mine = [state for state in run_states(settings.runs_dir, owner=owner).values() if _waiting_or_active(state)]
    if len(mine) >= RUNS_PER_VISITOR:
        raise JobBusyError(
            say(
                "You already have a training queued or running here (at most {limit} at a time on this shared "
                "studio). Wait for it to finish, or stop it first.",
                limit=RUNS_PER_VISITOR,
            )
        )
    if len(queued_runs(settings.runs_dir)) >= QUEUED_RUNS:
        raise JobBusyError(
            say(
                "The queue of this shared studio is full ({limit} runs waiting). Try again later.",
                limit=QUEUED_RUNS,
            )
        )


def _waiting_or_active(state: RunStatus) -> bool:
    return state is RunStatus.QUEUED or state.is_active
