"""Allow ``python -m gan_triage``."""

import sys

from .cli import main

sys.exit(main())
