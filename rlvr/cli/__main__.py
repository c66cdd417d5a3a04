"""``python -m rlvr.cli`` runs the ``rlvr`` command (for scripts that must use one interpreter)."""

import sys

from rlvr.cli import main

sys.exit(main())
