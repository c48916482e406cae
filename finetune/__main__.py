"""``python -m finetune ...`` runs the command line."""

import sys

from finetune.cli.commands import main

sys.exit(main())
