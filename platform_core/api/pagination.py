"""The contract's list shape: ``{"results": [...], "next": url-or-null}``."""

from collections import OrderedDict

from rest_framework import pagination
from rest_framework.response import Response


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"

    def get_paginated_response(self, data):
        return Response(OrderedDict([("results", data), ("next", self.get_next_link())]))

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
            },
        }
