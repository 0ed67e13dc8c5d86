"""Issue 11's hardening, from an outside review: nothing above public in a shared cache,
HSTS and the proxy's HTTPS header, sign-in lockout behind a reverse proxy keyed by the
real client's address, and failed sign-ins and lockouts in the audit trail."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern

from tests.web.conftest import fresh_settings, server_env
from tests.web.test_api import synthetic_store as synthetic_store
from tests.web.test_editors import PASSWORD, code, make_user, sign_in
from tests.web.test_editors import sample as sample

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.web.editors_urls")]

PRIVATE = "private, no-store"
LIMIT = settings.AXES_FAILURE_LIMIT
PROXY = "10.0.0.1"  # the reverse proxy, as the site sees it (REMOTE_ADDR)


def vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


def assert_private(response, what: object) -> None:
    assert response["Cache-Control"] == PRIVATE, (what, response.status_code)
    assert "cookie" in vary(response), (what, response.get("Vary"))


def caching(response) -> tuple:
    return (response.get("Cache-Control"), response.get("Vary"), response.get("Expires"))


def without_private_cache():
    """The site's middleware minus the one under test: what views answer on their own."""
    middleware = [m for m in settings.MIDDLEWARE if not m.endswith(".PrivateCacheMiddleware")]
    assert len(middleware) == len(settings.MIDDLEWARE) - 1
    return override_settings(MIDDLEWARE=middleware)


# -- Cache-Control ------------------------------------------------------------------------
def editors_urls(sample) -> list[str]:
    """Every route of the editors' area, its parameters filled from the sample (what is
    missing answers 404: still an answer under /editors/)."""
    from vigil.web.editors import urls

    values = {
        "ref": {"person": "P1", "case": "C1", "release": "R1"},
        "pk": {"event": sample["event"].pk, "hearing": sample["hearing"].pk},
        "name": {"user": "edna"},
    }
    out = []
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        for param, by_kind in values.items():
            if f":{param}>" in route:
                kind = next((k for k in by_kind if k in pattern.name), next(iter(by_kind)))
                route = route.replace(
                    route[route.index("<") : route.index(">") + 1], str(by_kind[kind])
                )
        assert "<" not in route, route
        out.append(f"/editors/{route}")
    assert len(out) == len(urls.urlpatterns) > 20
    return out


def test_every_editors_url_is_private_signed_in_or_not(sample):
    urls = [*editors_urls(sample), "/editors/audit/?format=csv", "/editors/no-such-page/"]
    admin = make_user("ada", "admin", restricted=True)
    editor = make_user("edna", "editor")
    unverified = make_user("eve", "editor", device=False)
    viewer = make_user("vera", "viewer", device=False)
    clients = {"anonymous": Client()}
    for user in (admin, editor, unverified, viewer):
        clients[user.username] = Client()
        assert sign_in(clients[user.username], user).status_code == 302
    for who, client in clients.items():
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 302, 403, 404, 405), (who, url)
            assert_private(response, (who, url))
    # answers that are not a view's page: a refused and a successful sign-in, the lockout
    # page (made by django-axes' middleware), CSRF's refusal, a GET of a POST-only view
    anonymous = Client()
    assert_private(anonymous.post("/editors/login/", {"username": "x", "password": "y"}), "fail")
    assert_private(sign_in(Client(), make_user("otto", "editor")), "sign-in")
    assert_private(anonymous.get("/editors/logout/"), "405")
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post("/editors/login/", {"username": "edna", "password": PASSWORD})
    assert refused.status_code == 403
    assert_private(refused, "csrf")
    for i in range(LIMIT):
        locked = anonymous.post("/editors/login/", {"username": "edna", "password": f"no {i}"})
    assert locked.status_code == 429
    assert_private(locked, "lockout")


def test_login_page_is_private_with_and_without_the_middleware_differs(sample):
    """The sign-in page holds a CSRF token: the middleware is what makes it private."""
    with without_private_cache():
        plain = Client().get("/editors/login/")
    assert plain.get("Cache-Control") != PRIVATE
    assert_private(Client().get("/editors/login/"), "login")


@pytest.fixture
def territory_client(synthetic_store, settings):
    settings.VIGIL_STORE = str(synthetic_store)
    return Client


PUBLIC_URLS = {
    "/": None,  # the map page: no Cache-Control of its own
    "/api/territory/snapshots": "public, max-age=60",
    "/api/territory/series?freq=week": "public, max-age=60",
    "/prisoners/stats/chart.svg": "public, max-age=300",
    "/api/cases/people": "public, max-age=60",
}


def test_public_pages_and_api_are_private_for_a_signed_in_user(sample, territory_client):
    editor = make_user("edna", "editor")
    unverified = make_user("eve", "editor", device=False)  # reads as the public does
    viewer = make_user("vera", "viewer", device=False)
    roleless = make_user("rob", "viewer", device=False)
    roleless.groups.clear()
    signed = {}
    for user in (editor, unverified):
        signed[user.username] = territory_client()
        assert sign_in(signed[user.username], user).status_code == 302
    for user in (viewer, roleless):
        signed[user.username] = territory_client()
        signed[user.username].force_login(user)
    for url, public in PUBLIC_URLS.items():
        anonymous = territory_client().get(url)
        assert anonymous.status_code == 200, url
        assert anonymous.get("Cache-Control") == public, url
        assert "cookie" not in vary(anonymous) or url.startswith(("/prisoners", "/api/cases"))
        for who, client in signed.items():
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            assert_private(response, (who, url))
            # a conditional request gets a 304 that is just as private
            if response.has_header("ETag"):
                again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
                assert again.status_code == 304, (who, url)
                assert_private(again, (who, url, 304))


def test_anonymous_answers_keep_their_caching_headers(sample, territory_client):
    """For anonymous readers the middleware changes nothing: the same caching headers
    with it as without it (also for a reader who only holds a CSRF cookie)."""
    reader = territory_client()
    reader.get("/editors/login/")  # a CSRF cookie, no session
    assert "csrftoken" in reader.cookies and "sessionid" not in reader.cookies
    for url in PUBLIC_URLS:
        for client in (territory_client(), reader):
            with_it = client.get(url)
            with without_private_cache():
                without = client.get(url)
            assert with_it.status_code == without.status_code == 200, url
            assert caching(with_it) == caching(without), url
    snapshots = territory_client().get("/api/territory/snapshots")
    assert snapshots["Cache-Control"] == "public, max-age=60"
    # an address without a language prefix is answered in the browser's language
    assert snapshots["Vary"] == "Accept, Accept-Language"


def test_signing_out_and_in_on_the_same_client(sample, territory_client):
    editor = make_user("edna", "editor")
    client = territory_client()
    assert client.get("/api/territory/snapshots")["Cache-Control"] == "public, max-age=60"
    sign_in(client, editor)
    assert_private(client.get("/api/territory/snapshots"), "signed in")
    client.post("/editors/logout/")
    assert client.get("/api/territory/snapshots")["Cache-Control"] == "public, max-age=60"


# -- HTTPS: HSTS and the proxy's header ---------------------------------------------------
# Settings are read from the environment when vigil.web.settings is imported. Each check
# executes that module afresh (a new module object, not the one Django of this process
# uses) in a clean environment: what a new interpreter would read, without paying for
# one. Only a request through the whole site needs a process of its own.
REQUEST_SCRIPT = textwrap.dedent(
    """
    import json, os
    import django
    os.environ["DJANGO_SETTINGS_MODULE"] = "vigil.web.settings"
    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment
    setup_test_environment()
    proxied = Client().get("/no-such-page/", HTTP_X_FORWARDED_PROTO="https")
    print(json.dumps({
        "hsts_proxied": proxied.get("Strict-Transport-Security"),
        "hsts_direct": Client().get("/no-such-page/").get("Strict-Transport-Security"),
    }))
    """
)
YEAR = 365 * 24 * 3600


def settings_in(monkeypatch, tmp_path, **env: str) -> dict:
    s = fresh_settings(monkeypatch, tmp_path, **env)
    return {
        "hsts_seconds": s.SECURE_HSTS_SECONDS,
        "subdomains": getattr(s, "SECURE_HSTS_INCLUDE_SUBDOMAINS", False),
        "preload": getattr(s, "SECURE_HSTS_PRELOAD", False),
        "proxy_header": getattr(s, "SECURE_PROXY_SSL_HEADER", None),
        "proxy_count": s.VIGIL_PROXY_COUNT,
    }


def served_in(tmp_path, **env: str) -> dict:
    """The HSTS header of the whole site, as a server with ``env`` answers a request
    through the proxy (``X-Forwarded-Proto: https``) and directly."""
    run = subprocess.run(
        [sys.executable, "-c", REQUEST_SCRIPT],
        env=server_env(tmp_path, **env),
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


PROXY_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # a tuple, as Django wants it


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, (YEAR, False, PROXY_HEADER)),
        ({"VIGIL_HTTPS": "1"}, (YEAR, False, PROXY_HEADER)),
        ({"VIGIL_HSTS_SECONDS": "600"}, (600, False, PROXY_HEADER)),
        ({"VIGIL_HSTS_INCLUDE_SUBDOMAINS": "1"}, (YEAR, True, PROXY_HEADER)),
        ({"VIGIL_HSTS_SECONDS": "0"}, (0, False, PROXY_HEADER)),
        ({"VIGIL_HTTPS": "0"}, (0, False, None)),
        ({"VIGIL_HTTPS": "0", "VIGIL_HSTS_SECONDS": "600"}, (0, False, None)),
        ({"VIGIL_HTTPS": "0", "VIGIL_HSTS_INCLUDE_SUBDOMAINS": "1"}, (0, False, None)),
    ],
)
def test_hsts_and_proxy_header_follow_the_environment(env, expected, monkeypatch, tmp_path):
    got = settings_in(monkeypatch, tmp_path, **env)
    assert (got["hsts_seconds"], got["subdomains"], got["proxy_header"]) == expected
    assert got["preload"] is False


def test_hsts_is_sent_over_https_through_the_proxy_only(tmp_path):
    got = served_in(tmp_path)  # VIGIL_HTTPS unset: on
    assert got["hsts_proxied"] == f"max-age={YEAR}"  # no includeSubDomains, no preload
    assert got["hsts_direct"] is None  # plain http: never
    got = served_in(tmp_path, VIGIL_HTTPS="0")
    # on a laptop on http no header is trusted, a forged X-Forwarded-Proto included
    assert got["hsts_proxied"] is None and got["hsts_direct"] is None


@pytest.mark.parametrize(
    ("name", "value"),
    [("VIGIL_HSTS_SECONDS", "a year"), ("VIGIL_HSTS_SECONDS", "-1"), ("VIGIL_PROXY_COUNT", "x")],
)
def test_a_bad_number_stops_the_start(name, value, monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match=name):
        fresh_settings(monkeypatch, tmp_path, **{name: value})


def test_proxy_count_comes_from_the_environment(monkeypatch, tmp_path):
    assert settings_in(monkeypatch, tmp_path, VIGIL_PROXY_COUNT="2")["proxy_count"] == 2
    assert settings_in(monkeypatch, tmp_path)["proxy_count"] == 0


# -- the client's address behind a proxy --------------------------------------------------
@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", None, "192.0.2.1"),
        (0, "192.0.2.1", "203.0.113.9", "192.0.2.1"),  # never trusted without a proxy
        (1, PROXY, "198.51.100.7", "198.51.100.7"),
        (1, PROXY, "203.0.113.9, 198.51.100.7", "198.51.100.7"),  # the client's own: left
        (1, PROXY, "203.0.113.9,198.51.100.7", "198.51.100.7"),
        (2, PROXY, "203.0.113.9, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (2, PROXY, "198.51.100.7", PROXY),  # fewer hops than proxies: not through them
        (1, PROXY, None, PROXY),
        (1, PROXY, "", PROXY),
        (1, PROXY, "203.0.113.9, not-an-address", PROXY),
        (1, PROXY, "198.51.100.7:51234", "198.51.100.7"),
        (1, PROXY, "2001:DB8:0:0::7", "2001:db8::7"),
        (1, PROXY, "[2001:db8::7]:443", "2001:db8::7"),
    ],
)
def test_client_ip(count, remote, forwarded, expected):
    from vigil.web.middleware import client_ip

    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    with override_settings(VIGIL_PROXY_COUNT=count):
        assert client_ip(request) == expected


def test_axes_uses_our_client_address():
    from axes.helpers import get_client_ip_address

    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7"
    )
    with override_settings(VIGIL_PROXY_COUNT=1):
        assert get_client_ip_address(request) == "198.51.100.7"
    with override_settings(VIGIL_PROXY_COUNT=0):
        assert get_client_ip_address(request) == PROXY


def fail(client: Client, name: str, times: int, **extra: str) -> list[int]:
    return [
        client.post(
            "/editors/login/", {"username": name, "password": f"wrong {i}"}, **extra
        ).status_code
        for i in range(times)
    ]


@override_settings(VIGIL_PROXY_COUNT=1)
def test_behind_one_proxy_a_lockout_is_one_clients_only(sample):
    from axes.models import AccessAttempt

    edna = make_user("edna", "editor")
    yuri = make_user("yuri", "editor")
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66")
    colleague = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert fail(attacker, "edna", LIMIT) == [200] * (LIMIT - 1) + [429]
    assert sign_in(attacker, edna).status_code == 429  # the right password: still locked
    # writing another address at the left of X-Forwarded-For does not unlock it
    forged = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.200, 198.51.100.66")
    assert sign_in(forged, edna).status_code == 429
    # the same name from another client behind the same proxy signs in
    assert sign_in(colleague, edna).status_code == 302
    # and another name from the attacker's own address too
    assert (
        sign_in(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66"), yuri, steps=1)[
            "Location"
        ]
        == "/editors/"
    )
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {"198.51.100.66"}
    # the trail names the client, not the proxy
    assert {r.detail["address"] for r in rows("sign-in-failed") + rows("lockout")} == {
        "198.51.100.66"
    }


@override_settings(VIGIL_PROXY_COUNT=0)
def test_without_a_proxy_a_forged_forwarded_for_changes_nothing(sample):
    from axes.models import AccessAttempt

    from vigil.cases.models import AuditEvent

    edna = make_user("edna", "editor")
    statuses = [
        Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
        .post("/editors/login/", {"username": "edna", "password": f"wrong {i}"})
        .status_code
        for i in range(LIMIT)
    ]
    # a new forged address each time, and still one client: locked at the limit
    assert statuses == [200] * (LIMIT - 1) + [429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.10"}
    addresses = {e.detail["address"] for e in AuditEvent.objects.filter(action="sign-in-failed")}
    assert addresses == {"192.0.2.10"}
    other = Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert sign_in(other, edna).status_code == 429
    assert sign_in(Client(REMOTE_ADDR="192.0.2.11"), edna).status_code == 302


# -- failed sign-ins and lockouts in the audit trail ---------------------------------------
def rows(action: str) -> list:
    from vigil.cases.models import AuditEvent

    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_a_wrong_password_is_one_sign_in_failed_row(sample):
    from axes.models import AccessAttempt

    make_user("edna", "editor")
    client = Client(REMOTE_ADDR="192.0.2.5")
    response = client.post(
        "/editors/login/", {"username": "edna", "password": "hunter2 wrong", "otp_token": "123456"}
    )
    assert response.status_code == 200
    (row,) = rows("sign-in-failed")  # written, though the request commits nothing else
    assert row.target == "user:edna" and row.actor == "anonymous"
    assert row.detail == {"address": "192.0.2.5", "reason": "wrong password", "failures": 1}
    assert "hunter2" not in json.dumps(row.detail) and "****" not in json.dumps(row.detail)
    assert "123456" not in json.dumps(row.detail)
    assert AccessAttempt.objects.get().failures_since_start == 1  # axes counted it once


def test_a_wrong_code_is_one_sign_in_failed_row(sample):
    from axes.models import AccessAttempt

    editor = make_user("edna", "editor")
    right = code(editor.totpdevice_set.get())
    wrong = "111111" if right != "111111" else "222222"
    client = Client(REMOTE_ADDR="192.0.2.5")
    response = client.post(
        "/editors/login/", {"username": "edna", "password": PASSWORD, "otp_token": wrong}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    (row,) = rows("sign-in-failed")
    assert row.target == "user:edna"
    assert row.detail == {"address": "192.0.2.5", "reason": "wrong code", "failures": 1}
    assert PASSWORD not in json.dumps(row.detail) and wrong not in json.dumps(row.detail)
    assert AccessAttempt.objects.get().failures_since_start == 1
    assert not rows("sign-in")


def test_unknown_and_deactivated_accounts_say_so(sample):
    make_user("dora", "editor").__class__.objects.filter(username="dora").update(is_active=False)
    client = Client()
    client.post("/editors/login/", {"username": "nobody", "password": "x" * 12})
    client.post("/editors/login/", {"username": "dora", "password": PASSWORD})
    assert [(r.target, r.detail["reason"]) for r in rows("sign-in-failed")] == [
        ("user:nobody", "unknown user"),
        ("user:dora", "account deactivated"),
    ]


def test_names_are_cut_to_150_characters(sample):
    request = RequestFactory().post("/editors/login/", REMOTE_ADDR="192.0.2.5")
    user_login_failed.send(
        sender="test", credentials={"username": "n" * 200, "password": "*" * 20}, request=request
    )
    (row,) = rows("sign-in-failed")
    assert row.target == "user:" + "n" * 150
    assert row.detail["address"] == "192.0.2.5"


def test_the_limit_th_failure_adds_one_lockout_row(sample):
    editor = make_user("edna", "editor")
    client = Client(REMOTE_ADDR="192.0.2.5")
    assert fail(client, "edna", LIMIT - 1) == [200] * (LIMIT - 1)
    assert not rows("lockout")
    assert fail(client, "edna", 1) == [429]
    (lockout,) = rows("lockout")
    assert lockout.target == "user:edna" and lockout.actor == "anonymous"
    assert lockout.detail == {"address": "192.0.2.5", "failures": LIMIT}
    failed = rows("sign-in-failed")
    assert [r.detail["failures"] for r in failed] == list(range(1, LIMIT + 1))
    assert {r.detail["reason"] for r in failed} == {"wrong password"}
    assert failed[-1].id < lockout.id  # the failure, then the lockout it caused
    # during the lock even the right password and code are refused, unchecked: one
    # more failure, "locked", and no second lockout
    assert sign_in(client, editor).status_code == 429
    assert len(rows("sign-in-failed")) == LIMIT + 1
    assert rows("sign-in-failed")[-1].detail == {
        "address": "192.0.2.5",
        "reason": "locked",
        "failures": LIMIT + 1,
    }
    assert len(rows("lockout")) == 1


def test_wrong_codes_lock_too_and_are_recorded_once_each(sample):
    editor = make_user("edna", "editor")
    wrong = "111111" if code(editor.totpdevice_set.get()) != "111111" else "222222"
    client = Client()
    statuses = [
        client.post(
            "/editors/login/", {"username": "edna", "password": PASSWORD, "otp_token": wrong}
        ).status_code
        for _ in range(LIMIT)
    ]
    assert statuses == [200] * (LIMIT - 1) + [429]
    failed = rows("sign-in-failed")
    assert [r.detail["failures"] for r in failed] == list(range(1, LIMIT + 1))
    assert {r.detail["reason"] for r in failed} == {"wrong code"}
    assert [r.detail["failures"] for r in rows("lockout")] == [LIMIT]


def receivers() -> list:
    """The receivers of ``user_login_failed``, in the order they are called."""
    return [entry[1]() for entry in user_login_failed.receivers]


def test_receivers_are_connected_once_after_axes():
    from axes.signals import handle_user_login_failed

    from vigil.web import signals

    live = receivers()
    assert live.count(signals.on_login_failed) == 1
    assert live.index(handle_user_login_failed) < live.index(signals.on_login_failed)
    signals.connect()  # again: still once
    assert receivers().count(signals.on_login_failed) == 1


# -- `vigil serve` behind the proxy --------------------------------------------------------
@pytest.mark.slow
def test_vigil_serve_passes_the_proxy_headers_on(tmp_path):
    import urllib.request

    from tests.web.conftest import has_serve, live_server
    from vigil.territory import open_store

    if not has_serve():
        pytest.skip("no `vigil serve` in this checkout")
    store = tmp_path / "territory.sqlite"
    open_store(store, create=True).close()
    with live_server(store, env={"VIGIL_HTTPS": "1"}) as base:
        request = urllib.request.Request(
            f"{base}/editors/login/", headers={"X-Forwarded-Proto": "https"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers["Strict-Transport-Security"] == f"max-age={YEAR}"
