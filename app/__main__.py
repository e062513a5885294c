"""`python -m app` opens the GUI."""

from __future__ import annotations

import sys

# The guard matters: the GUI's batch worker is a spawned process, which re-imports the main
# module under another name and must not open a second window.
if __name__ == "__main__":
    from app.gui.main import main

    sys.exit(main())
