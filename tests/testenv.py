"""Loaded with `-p tests.testenv` before pytest-django imports settings.

Points every client at the test profile of scripts.stack (its own ports and var/test state dir),
so a test run never touches a running dev stack. Values already in the environment win.
"""

import os

from scripts.stack import Stack

_stack = Stack.for_profile("test")
for key, value in _stack.env().items():
    if key.startswith(("KENNING_", "NEO4J_", "REDIS_", "QDRANT_", "MODEL_", "HF_", "TRANSFORMERS_", "TOKENIZERS_")):
        os.environ.setdefault(key, value)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
