"""Uploads larger than CSV_IMPORT_MAX_BYTES are dropped while they arrive (the only uploads are
CSV imports): the rest of the request is still read, so the page can say why."""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from channels.services.csv_import import csv_import_max_bytes


class SizeLimitUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: a file past the limit is skipped (nothing of it kept) and
    its field name recorded on `request.uploads_too_large`."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > csv_import_max_bytes():
            too_large = getattr(self.request, "uploads_too_large", set())
            too_large.add(self.field_name)
            self.request.uploads_too_large = too_large
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int):
        return None  # the next handler stores the file
