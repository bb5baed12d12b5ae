"""Page-number pagination with a capped page size, and the one way every list answers a page."""

from __future__ import annotations

from typing import Any

from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from concert.api.fields import integer_or_none


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)
        if number in self.last_page_strings:
            return number
        value = integer_or_none(number)
        if value is None or value < 1:
            raise ValidationError({self.page_query_param: ["A page number is an integer ≥ 1."]})
        return number

    def get_page_size(self, request):
        """`page_size` within the bounds the schema gives, or the caller's error (400)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = integer_or_none(raw)
        if size is None or not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [
                f"A page size is an integer from 1 to {self.max_page_size}."]})
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {self.page_query_param: {"minimum": 1},
                  self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size}}
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


class Pages:
    """Mixed into a view that lists: `self.page(...)` is how every list answers.

    `pagination_class` is also what drf-spectacular reads: a GET documented as answering
    `Serializer(many=True)` gets `page` and `page_size` (with their bounds) and the
    paginated body in the schema, with nothing written by hand.
    """

    pagination_class = PageNumberPagination

    def page(self, queryset, serializer_class, **context: Any) -> dict[str, Any]:
        """One page of `queryset`, serialized: the body of the list's answer."""
        paginator = self.pagination_class()
        rows = paginator.paginate_queryset(queryset, self.request, view=self)
        data = serializer_class(rows, many=True, context=context).data
        return paginator.get_paginated_response(data).data
