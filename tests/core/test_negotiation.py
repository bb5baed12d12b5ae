"""The negotiation shortcut answers exactly as DRF's own negotiation does."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request

from concert.api.negotiation import ContentNegotiation

MEDIA = ["*/*", "application/json", "application/*", "text/html", "application/xml",
         "application/json; indent=4", "application/json;q=0.5", "text/*;q=0.1", "image/webp",
         "", ",", "json", "*/*;q=0"]
accept = st.one_of(
    st.sampled_from(MEDIA),
    st.lists(st.sampled_from(MEDIA), min_size=1, max_size=4).map(", ".join),
    st.text(max_size=40),
)


def _answer(negotiation, header: str | None, query: str, renderers):
    extra = {} if header is None else {"HTTP_ACCEPT": header}
    request = Request(RequestFactory().get("/api/v1/events" + query, **extra))
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers)
    except NotAcceptable:
        return "406"
    except Http404:  # a ?format= no renderer has
        return "404"
    return type(renderer), media_type


@given(header=st.none() | accept, query=st.sampled_from(["", "?format=json", "?format=api"]),
       renderers=st.sampled_from([[JSONRenderer()], [JSONRenderer(), BrowsableAPIRenderer()],
                                  [BrowsableAPIRenderer(), JSONRenderer()]]))
def test_same_answer_as_drf_for_any_accept_header(header, query, renderers):
    assert _answer(ContentNegotiation(), header, query, renderers) == _answer(
        DefaultContentNegotiation(), header, query, renderers)


@pytest.mark.parametrize("header", [None, "*/*", "application/json"])
def test_common_accept_headers_skip_the_parser(header, monkeypatch):
    monkeypatch.setattr(DefaultContentNegotiation, "get_accept_list",
                        lambda self, request: pytest.fail("parsed the Accept header"))
    assert _answer(ContentNegotiation(), header, "", [JSONRenderer()]) == (
        JSONRenderer, "application/json")
