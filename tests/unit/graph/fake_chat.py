"""The chat callable an LLM pass is given (``chat(messages, **options)``), answering a fixed text."""

import json


class FakeChat:
    def __init__(self, answer):
        self.answer, self.calls = answer, []

    def __call__(self, messages, **options):
        self.calls.append((messages, options))
        return self.answer if isinstance(self.answer, str) else json.dumps(self.answer)
