"""``python -m smexplore.cli``: the command line (as ``python -m smexplore``)."""

import sys

from . import main

sys.exit(main())
