#!/usr/bin/env python3
"""Build every edition: ``python build.py`` (same as ``python build.py build``).

``python build.py --help`` lists the commands. The same CLI is installed as
the ``diglot`` console script.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from diglot.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
