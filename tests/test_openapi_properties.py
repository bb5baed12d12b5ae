"""Property: no input answers 5xx. Hostile values in every path and query parameter (and
JSON bodies) of the service's own OpenAPI schema, as an anonymous caller, a fan and staff.

Where the conformance test sends what the schema describes, this one sends what it does
not: text from each Unicode category (other digits, controls such as NUL, bidirectional
overrides, private use, emoji), numbers past every integer width and float range, date-times
at and past the ends of the calendar with extreme offsets, and JSON nested from a few levels
to far past Python's recursion limit. Each operation also gets the ids of real objects, so
values reach the code behind the lookups. PROPERTY_EXAMPLES bounds the examples per operation
(default 15; derandomized, so CI repeats itself). A second test sends each edge value (the
inputs that once answered 500, and their kin) alone in each parameter, so none of them is
left to chance.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.accounts.dev_issuer import dev_token_mint
from apps.accounts.services import user_sync_from_claims
from tests.events.factories import EventFactory, EventPictureFactory, PerformanceFactory
from tests.files.factories import FileFactory
from tests.licensing.factories import make_key
from tests.tickets.factories import TicketTypeFactory, make_order

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
OPERATIONS = [(method.upper(), path, op) for path, ops in SCHEMA["paths"].items()
              for method, op in ops.items()]

# Every general category but surrogates (Cs), which no UTF-8 request can carry.
CATEGORIES = ("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd",
              "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc",
              "Cf", "Co", "Cn")
unicode_text = st.sampled_from(CATEGORIES).flatmap(
    lambda category: st.text(st.characters(categories=[category]), min_size=1, max_size=8))
mixed_text = st.text(st.characters(codec="utf-8"), max_size=40)

numbers = st.one_of(
    st.sampled_from(["0", "-0", "-1", "00", "1.5", "1e309", "-1e309", "NaN", "Infinity", "0x1f",
                     "1_000", "2147483648", "4294967296", "9223372036854775807",
                     "9223372036854775808", "-9223372036854775809", "1" * 80]),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
)

EDGE_DATETIMES = [
    "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59.999999-23:59", "0001-01-01T05:00+05:01",
    "9999-12-31T22:00-02:00", "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z", "9999-12-31", "0000-00-00", "2024-02-30T25:61:61Z",
    "+275760-09-13T00:00:00Z", "1970-01-01T00:00:00Z", "2038-01-19T03:14:08Z",
    "2030-01-01T00:00:00+99:99", "2030-01-01T00:00:00",
]
datetimes = st.one_of(
    st.sampled_from(EDGE_DATETIMES),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                 timezones=st.integers(-1439, 1439).map(
                     lambda minutes: timezone(timedelta(minutes=minutes)))
                 ).map(lambda value: value.isoformat()),
    st.dates().map(str),
)


def deeply_nested(depth: int) -> str:
    return "[" * depth + "]" * depth


json_leaves = st.one_of(st.none(), st.booleans(), unicode_text, numbers,
                        numbers.map(lambda n: int(n) if n.lstrip("-").isdigit() else n),
                        datetimes, st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(mixed_text, children,
                                                                      max_size=3),
    max_leaves=12,
)


# Values that broke the service before, and their kin: tried often, not left to chance.
EDGE_TEXT = ["\u00b2", "\u0663", "1\u00b2", "\u00bd", "\x00", "a\x00b", "\u202e", "\u2066",
             "\ufeff", "\U0001f600", " ", "", ".", "..", "%", "%00", "\\", "/", "\n", "\t"]
EDGE_NUMBERS = ["9223372036854775808", "-9223372036854775809", "1" * 80, "-1", "0", "1e309",
                "NaN", "\u0663", "\u00b2"]


def kind_of(parameter: dict) -> str:
    schema = parameter.get("schema", {})
    if schema.get("format") in ("date-time", "date"):
        return "datetime"
    return "number" if schema.get("type") in ("integer", "number") else "text"


def edges_for(parameter: dict) -> list[str]:
    """The edge values a parameter's schema invites, and a few odd texts for any."""
    odd = EDGE_TEXT[:6]
    return {"datetime": EDGE_DATETIMES + odd, "number": EDGE_NUMBERS + odd,
            "text": EDGE_TEXT + EDGE_NUMBERS[:3] + EDGE_DATETIMES[:2]}[kind_of(parameter)]


def values_for(parameter: dict, real: list[str]):
    """A value for a parameter: mostly the hostile kind its schema invites (date-times for
    a date-time, numbers for an integer, odd text for a string), or anything else."""
    likely = {"datetime": datetimes, "number": numbers, "text": unicode_text}[kind_of(parameter)]
    anything = st.one_of(unicode_text, mixed_text, numbers, datetimes, st.sampled_from(real))
    return st.one_of(st.sampled_from(edges_for(parameter)), likely, st.sampled_from(real),
                     anything)


def body_for(operation: dict):
    """A JSON body with the operation's field names and hostile values, or a deep nest."""
    schema = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
    if schema is None:
        return st.none()
    names = sorted(_properties(schema.get("schema", {})))
    fields = st.fixed_dictionaries({}, optional={name: json_values for name in names})
    raw = st.one_of(
        fields.map(json.dumps),
        st.integers(20, 3000).map(deeply_nested),
        json_values.map(json.dumps),
        st.just('{"items": ' + deeply_nested(900) + "}"),
    )
    return raw


def _properties(schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref:
        schema = SCHEMA["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema.get("properties", {})


@pytest.fixture
def world():
    """Clients of each caller, and real ids and slugs the values may name."""
    users, clients = {}, {"anonymous": Client(raise_request_exception=True)}
    for role, groups in {"fan": [], "staff": ["staff"]}.items():
        claims = {"sub": f"sub-{role}", "email": f"{role}@example.com", "cognito:groups": groups}
        users[role] = user_sync_from_claims(claims=claims)
        token = dev_token_mint(email=claims["email"], groups=groups, sub=claims["sub"])
        clients[role] = Client(raise_request_exception=True,
                               headers={"Authorization": f"Bearer {token}"})
    event = EventFactory()
    ticket_type = TicketTypeFactory(event=event)
    order = make_order(buyer=users["fan"], ticket_type=ticket_type)
    key, _raw = make_key(users["fan"])
    real = [event.slug, str(event.pk), event.venue.slug, str(ticket_type.pk), str(order.pk),
            str(order.tickets.first().pk), str(PerformanceFactory(event=event).pk),
            str(EventPictureFactory(event=event).pk), str(key.pk),
            str(FileFactory(owner=users["fan"], uploaded=True).pk)]
    return clients, real


EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "15"))


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS,
                         ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_input_is_a_server_error(world, method, path, operation, data):
    clients, real = world
    url = path
    query: list[tuple[str, str]] = []
    headers: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        values = values_for(parameter, real)
        if where == "path":
            url = url.replace("{" + name + "}", quote(data.draw(values, label=name), safe=""))
        # Each query parameter is sent one time in three: alone, a value reaches further
        # than when another parameter's error answers first.
        elif where == "query" and data.draw(st.sampled_from([False, False, True]),
                                            label=f"send {name}"):
            query += [(name, value) for value in data.draw(st.lists(values, min_size=1,
                                                                    max_size=2), label=name)]
        elif where == "header":
            header = data.draw(st.one_of(mixed_text, st.text("!~azAZ09", min_size=1,
                                                            max_size=300)), label=name)
            headers[name] = header.encode("utf-8", "replace").decode("latin-1")
    body = data.draw(body_for(operation), label="body")
    caller = data.draw(st.sampled_from(sorted(clients)), label="caller")
    target = f"{url}?{urlencode(query)}" if query else url

    response = clients[caller].generic(
        method, target, body or "", content_type="application/json", headers=headers,
    )

    assert response.status_code < 500, (caller, method, target, body and body[:200],
                                         response.content[:300])


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS,
                         ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_every_parameter_takes_every_edge_value(world, method, path, operation):
    """The edge values, each alone in each parameter, so none is left to chance."""
    clients, real = world
    callers = sorted(clients)
    parameters = [p for p in operation.get("parameters", []) if p["in"] in ("path", "query")]
    for parameter in parameters:
        for n, value in enumerate(edges_for(parameter)):
            url, query = path, ""
            for other in parameters:
                if other["in"] == "path":
                    chosen = value if other is parameter else real[0]
                    url = url.replace("{" + other["name"] + "}", quote(chosen, safe=""))
            if parameter["in"] == "query":
                query = "?" + urlencode({parameter["name"]: value})
            caller = callers[n % len(callers)]
            headers = {"Idempotency-Key": f"edge-{n}"}

            response = clients[caller].generic(method, url + query, "{}",
                                               content_type="application/json",
                                               headers=headers)

            assert response.status_code < 500, (caller, method, url + query,
                                                 response.content[:300])
