"""The crawler: signed in as a national admin in the permission matrix's world, it visits every page, API GET
operation and FHIR search and read it can enumerate, first as they are and then with odd values in every query
parameter it knows and in every path parameter — and no answer may be a server error (5xx).

What it visits and with which parameters, found from the code so that new ones are covered without editing this
file:
- pages: every named URL pattern of the resolver (django.urls.get_resolver()), at the concrete address the
  permission matrix calls it with (its CALLS fill the path converters with ids of the world's records; the matrix
  test makes sure every pattern has one); the query parameters are those its view reads — found by scanning the
  source of the view and of the module's helpers it calls for request.GET.get("…"), request.GET["…"] and
  request.GET.getlist("…");
- the API: every GET operation of the OpenAPI schema, with the query and path parameters the schema lists;
- FHIR: every resource type of the CapabilityStatement (/fhir/metadata) with its search parameters and the paging
  parameters of its self link, its read at /fhir/{type}/{id}, and Patient/{id}/$everything.

Odd values: "²" and "٣" (digits to str.isdigit() that int() refuses or reads), "1/²" (a token such as INV-1/2 with
such a digit), -1, 1e99, 10**50, a NUL character, 5,000 characters and "../". A clear 400 or 404 is the right answer
to most of them, or a page that ignores the filter; the NUL middleware answers 400 for a NUL anywhere in a query.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from config.api import api
from onconet.core.tests.test_permission_matrix import (
    CALLS,
    EXCLUDED_ROUTE_PREFIXES,
    EXCLUDED_URL_NAMES,
    Call,
    _world,
    base,
)
from onconet.partnerships.tests.conftest import places, tour  # noqa: F401  (fixtures used through the world)
from onconet.scheduling.tests.conftest import course, prepaid_referral, protocols, sched  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

ODD = ("²", "٣", "1/²", "-1", "1e99", str(10**50), "\x00", "x" * 5000, "../")
API = "/api/v1"

# request.GET.get("name" …), request.GET.getlist("name"), request.GET["name"], "name" in request.GET
_GET_PARAM = re.compile(
    r"""request\.GET(?:\.get|\.getlist)?\(\s*["']([^"']+)["']"""
    r"""|request\.GET\[\s*["']([^"']+)["']\s*\]"""
    r"""|["']([^"']+)["']\s+in\s+request\.GET\b"""
)


def _helpers(func: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """The function and, transitively, the functions of its own module that it calls (helpers such as a view's
    `_params(request)`): their sources together hold every query parameter the view reads."""
    module = inspect.getmodule(func)
    seen: set[Callable[..., Any]] = set()
    todo = [func]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        yield current
        source = inspect.getsource(current)
        for name, obj in vars(module).items():
            if (
                inspect.isfunction(obj)
                and obj.__module__ == getattr(module, "__name__", None)
                and re.search(rf"\b{re.escape(name)}\(", source)
            ):
                todo.append(obj)


def page_parameters(func: Callable[..., Any]) -> set[str]:
    """The query parameters a page's view reads (found in its source and its helpers' sources)."""
    view = inspect.unwrap(func)
    if hasattr(func, "view_class") or not inspect.isfunction(view):
        return set()  # a class-based view of Django's own (the password change pages): no parameters of ours
    names: set[str] = set()
    for helper in _helpers(view):
        for match in _GET_PARAM.finditer(inspect.getsource(helper)):
            names.add(next(group for group in match.groups() if group))
    return names


def test_the_scanner_finds_the_parameters_of_a_view_and_its_helpers() -> None:
    """The analytics pages read `period` in a helper (_params) and `format` in another (_download)."""
    from onconet.analytics import views as analytics
    from onconet.scheduling import views as scheduling

    assert {"period", "submitted", "specialty", "retirement", "attrition", "format"} <= page_parameters(
        analytics.workforce
    )
    assert page_parameters(scheduling.overview) == {"facility", "kind"}


def _url_names() -> set[str]:
    """Every named URL pattern outside the matrix's exclusions (the API's come from the OpenAPI schema)."""
    names: set[str] = set()

    def walk(patterns: list[Any], prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace)
            elif isinstance(pattern, URLPattern) and not (prefix + str(pattern.pattern)).startswith(
                tuple(EXCLUDED_ROUTE_PREFIXES)
            ):
                names.add(f"{namespace}:{pattern.name}" if namespace else str(pattern.name))

    walk(get_resolver().url_patterns, "", None)
    return {name for name in names if not name.startswith("api:") and name not in EXCLUDED_URL_NAMES}


def _split(call: Call) -> tuple[str, dict[str, str]]:
    parts = urlsplit(call.path)
    return parts.path, dict(parse_qsl(parts.query, keep_blank_values=True))


def _path_variants(path: str) -> Iterator[str]:
    """The path with each of its path parameters replaced by each odd value."""
    try:
        match = resolve(path)
    except Resolver404:
        return
    segments = path.split("/")
    for value in {str(v) for v in match.kwargs.values()}:
        for i, segment in enumerate(segments):
            if segment == value:
                for odd in ODD:
                    yield "/".join([*segments[:i], quote(odd, safe=""), *segments[i + 1 :]])


class Crawler:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.visits = 0
        self.failures: list[str] = []

    def visit(self, path: str, query: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Any:
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in (headers or {}).items()}
        response = self.client.get(path, query or {}, **extra)
        self.visits += 1
        if response.status_code >= 500:
            shown = urlencode(query or {})
            self.failures.append(f"GET {path}{'?' if shown else ''}{shown[:120]} → {response.status_code}")
        return response

    def each_odd_value(
        self, path: str, query: dict[str, str], parameters: set[str], headers: Any = None, *, together: bool = False
    ) -> None:
        """Each odd value in each parameter, one at a time — or, `together`, first in all the parameters at once,
        one at a time only where that answer is not a 200 (a refusal of one parameter may hide what another does):
        pages ignore bad filters and answer 200, so a page costs one visit per odd value."""
        self.visit(path, query, headers)
        for odd in ODD:
            if together and len(parameters) > 1:
                answer = self.visit(path, {**query, **dict.fromkeys(parameters, odd)}, headers)
                if answer.status_code == 200 or odd == "\x00":  # the NUL middleware answers before any view
                    continue
            for name in sorted(parameters):
                self.visit(path, {**query, name: odd}, headers)
        for variant in _path_variants(path):
            self.visit(variant, query, headers)


def _api_operations() -> dict[str, set[str]]:
    """Every GET operation of the OpenAPI schema and its query parameters."""
    schema = api.get_openapi_schema()
    return {
        path: {p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "query"}
        for path, operations in schema["paths"].items()
        if "get" in operations
    }


def test_no_odd_value_answers_a_server_error(request: pytest.FixtureRequest) -> None:
    w = _world(request, "admin")
    client = Client(raise_request_exception=False)
    client.force_login(w.users["admin"])
    crawler = Crawler(client)
    gets = [(key, maker) for key, maker in CALLS.items() if key[0] == "GET"]
    try:
        # pages, and the matrix's FHIR reads at real ids (FHIR's search parameters come from its metadata below)
        crawled = set()
        for key, maker in gets:
            if key[1].startswith(API):
                continue
            call = maker(w)
            path, query = _split(call)
            crawled.add(base(key)[1])
            try:
                parameters = set() if path.startswith("/fhir/") else page_parameters(resolve(path).func)
            except Resolver404:
                parameters = set()
            crawler.each_odd_value(path, query, parameters, call.headers, together=True)
        # every URL pattern is crawled, or takes no GET (the matrix calls it with POST only)
        post_only = {base(key)[1] for key in CALLS if key[0] != "GET"} - crawled
        unreachable = _url_names() - crawled - post_only

        # the API: every GET operation, at the address the matrix calls it with
        concrete = {base(key)[1]: maker for key, maker in gets if key[1].startswith(API)}
        for template, parameters in sorted(_api_operations().items()):
            if template not in concrete and "{" in template:
                unreachable.add(f"GET {template}")  # its path parameters need ids the matrix has not given
                continue
            call = concrete[template](w) if template in concrete else Call("GET", template)
            path, query = _split(call)
            crawler.each_odd_value(path, query, parameters, call.headers)

        # FHIR: the CapabilityStatement's resources and search parameters, the paging of the self link, reads and
        # $everything
        capability = crawler.visit("/fhir/metadata").json()
        for resource in capability["rest"][0]["resource"]:
            kind = resource["type"]
            bundle = crawler.visit(f"/fhir/{kind}").json()
            self_link = next(link["url"] for link in bundle["link"] if link["relation"] == "self")
            parameters = {p["name"] for p in resource["searchParam"]} | {
                name for name, _value in parse_qsl(urlsplit(self_link).query)
            }
            crawler.each_odd_value(f"/fhir/{kind}", {}, parameters)
            for odd in ODD:
                crawler.visit(f"/fhir/{kind}/{quote(odd, safe='')}")
        for odd in ODD:
            crawler.visit(f"/fhir/Patient/{quote(odd, safe='')}/$everything")
    finally:
        w.report_file.unlink(missing_ok=True)
    shown = "\n".join(crawler.failures[:50])
    assert crawler.failures == [], f"{len(crawler.failures)} of {crawler.visits} answers were server errors:\n{shown}"
    assert unreachable == set(), (
        "pages and operations without a call in the permission matrix: the crawler cannot reach"
    )
