"""`python -m app` opens the GUI."""

from __future__ import annotations

import sys

from app.gui.main import main

sys.exit(main())
