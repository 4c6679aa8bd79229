"""``python -m smexplore``: the command line (see ``smexplore.cli``)."""

import sys

from .cli import main

sys.exit(main())
