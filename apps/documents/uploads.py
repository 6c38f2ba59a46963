"""Upload size enforced while the body streams in, not after it has been spooled to disk.

``SizeLimitUploadHandler`` runs first in FILE_UPLOAD_HANDLERS: it counts each file's bytes as
Django's multipart parser hands them over and stops the request once a file passes
UPLOAD_MAX_BYTES, so at most the limit (plus one chunk) is ever read or written. A reverse proxy in
front should refuse larger bodies even earlier (nginx: ``client_max_body_size``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.files.uploadhandler import FileUploadHandler

from config.errors import UserError


class UploadTooLarge(UserError, BadRequest):
    """413 for the views and the API; BadRequest so Django renders it (via handler400) when the
    body is parsed outside a view, e.g. by the CSRF check."""

    status = 413

    def __init__(self, name: str, limit_bytes: int) -> None:
        limit = f"{limit_bytes / 2**20:,.0f} MB" if limit_bytes >= 2**20 else f"{limit_bytes / 1024:,.0f} KB"
        super().__init__(
            f"{name or 'The file'} is larger than the upload limit of {limit} ({limit_bytes:,} bytes); "
            "nothing was stored."
        )


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit_bytes = settings.UPLOAD_MAX_BYTES
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit_bytes:
            if self.request is not None:
                # The half-read body cannot be parsed again: later reads of POST/FILES see nothing.
                self.request._mark_post_parse_error()
            raise UploadTooLarge(self.file_name, self.limit_bytes)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers build the file
