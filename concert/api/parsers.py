"""Request body parsers: DRF's JSON parser, with nesting too deep for Python or numbers too
long for it a 400 that names the limit; the multipart form of a presigned S3 POST, read in
S3's order."""

from __future__ import annotations

from django.http import multipartparser
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from apps.core.errors import UploadFormInvalid


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
        except ParseError as exc:
            if "set_int_max_str_digits" in str(exc.detail):  # Python's own advice, not ours
                raise ParseError("JSON parse error - a number has more than 4300 digits.") \
                    from None
            raise


class _PartsAfterFile(multipartparser.MultiPartParser):
    """Django's multipart parser, noting the fields each name had (its `_post`) once the
    first file was read: Django ends a file only as the next part begins."""

    fields_at_file: dict[str, int] | None = None

    def handle_file_complete(self, old_field_name, counters):
        super().handle_file_complete(old_field_name, counters)
        if self.fields_at_file is None:
            self.fields_at_file = {name: len(values) for name, values in self._post.lists()}


class S3PostFormParser(parsers.MultiPartParser):
    """A presigned POST form as S3 reads it: the file is the form's last field (S3 ignores
    whatever follows it, so a policy field sent after it is missing there) and its only
    file (S3 answers a second with 400 "POST requires exactly one file upload per
    request"). The local stand-in refuses both with 400 upload_form_invalid, so a client S3
    would break fails in local development too."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        meta = {**request.META, "CONTENT_TYPE": media_type}
        parser = _PartsAfterFile(meta, stream, request.upload_handlers,
                                 parsers.get_encoding(parser_context))
        try:
            data, files = parser.parse()
        except multipartparser.MultiPartParserError as exc:
            raise ParseError(f"Multipart form parse error - {exc}") from None
        uploads = [upload for _, values in files.lists() for upload in values]
        after = sorted(name for name, values in data.lists()
                       if len(values) > parser.fields_at_file.get(name, 0)) if uploads else []
        refusal = None
        if len(uploads) > 1:
            refusal = UploadFormInvalid("The form takes exactly one file, as S3 does.",
                                        details={"files": len(uploads)})
        elif after:
            refusal = UploadFormInvalid("The file must be the form's last field: S3 ignores "
                                        "the fields after it.", details={"after_file": after})
        if refusal is not None:
            for upload in uploads:
                upload.close()
            raise refusal
        return parsers.DataAndFiles(data, files)
