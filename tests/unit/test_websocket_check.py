import socket
from http import HTTPStatus

import pytest

from codesaga.daemon.websocket_server import (
    bind_address,
    check_handshake,
    is_loopback,
    parse_origins,
)
from codesaga.domain.errors import UsageError

TOKEN = "s3cret-token"
ORIGINS = parse_origins([r"vscode-webview://[0-9a-z-]+", "vscode-file://vscode-app"])
GOOD = {"Host": "127.0.0.1:4000", "Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize(
    ("headers", "path", "status"),
    [
        (GOOD, "/", None),
        ({**GOOD, "Host": "localhost:4000"}, "/", None),
        ({**GOOD, "Host": "[::1]:4000"}, "/", None),
        ({**GOOD, "Origin": "vscode-webview://0a1b2c"}, "/", None),
        ({"Host": "127.0.0.1:4000"}, "/", HTTPStatus.UNAUTHORIZED),
        ({**GOOD, "Authorization": "Bearer nope"}, "/", HTTPStatus.UNAUTHORIZED),
        ({**GOOD, "Authorization": TOKEN}, "/", HTTPStatus.UNAUTHORIZED),
        ({"Host": "127.0.0.1:4000"}, f"/?token={TOKEN}", HTTPStatus.UNAUTHORIZED),
        ({**GOOD, "Origin": "https://evil.example"}, "/", HTTPStatus.FORBIDDEN),
        ({**GOOD, "Origin": "vscode-webview://abc.evil.example"}, "/", HTTPStatus.FORBIDDEN),
        ({**GOOD, "Host": "attacker.example"}, "/", HTTPStatus.FORBIDDEN),
        ({**GOOD, "Host": "127.0.0.1.attacker.example"}, "/", HTTPStatus.FORBIDDEN),
        ({k: v for k, v in GOOD.items() if k != "Host"}, "/", HTTPStatus.FORBIDDEN),
        # A Host that only starts like a loopback one (all once accepted)
        ({**GOOD, "Host": "[::1].evil.com"}, "/", HTTPStatus.FORBIDDEN),
        ({**GOOD, "Host": "[::1]evil"}, "/", HTTPStatus.FORBIDDEN),
        ({**GOOD, "Host": "[::1]:80.evil.com"}, "/", HTTPStatus.FORBIDDEN),
        ({**GOOD, "Host": "[::1]:"}, "/", HTTPStatus.FORBIDDEN),
        ({**GOOD, "Host": "[::1"}, "/", HTTPStatus.FORBIDDEN),
        ({**GOOD, "Host": "127.0.0.1:80:80"}, "/", HTTPStatus.FORBIDDEN),
        ({**GOOD, "Host": "127.0.0.1:x"}, "/", HTTPStatus.FORBIDDEN),
        ({**GOOD, "Host": "user@127.0.0.1"}, "/", HTTPStatus.FORBIDDEN),
        ({**GOOD, "Host": "::1"}, "/", HTTPStatus.FORBIDDEN),  # IPv6 needs its brackets
        ({**GOOD, "Host": "[::ffff:10.0.0.1]"}, "/", HTTPStatus.FORBIDDEN),
        ({**GOOD, "Host": "LOCALHOST"}, "/", None),
        ({**GOOD, "Host": "127.0.0.1"}, "/", None),
        # An empty Origin is no allowed origin, here as on the HTTP API
        ({**GOOD, "Origin": ""}, "/", HTTPStatus.FORBIDDEN),
    ],
)
def test_handshake_rules(headers: dict[str, str], path: str, status: HTTPStatus | None) -> None:
    refused = check_handshake(path, {k: [v] for k, v in headers.items()}, TOKEN, ORIGINS)
    assert (refused[0] if refused else None) == status


@pytest.mark.parametrize("name", ["Host", "Origin", "Authorization"])
def test_a_checked_header_given_twice_is_a_bad_request(name: str) -> None:
    headers = {k: [v] for k, v in GOOD.items()}
    value = headers.get(name, ["vscode-webview://0a1b2c"])[0]
    headers[name] = [value, value]  # even twice the same: the rule is one of each
    refused = check_handshake("/", headers, TOKEN, ORIGINS)
    assert refused is not None and refused[0] == HTTPStatus.BAD_REQUEST
    assert name in refused[1]


def test_loopback_names() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "10.0.0.1", "example.com", "::"]))


def _resolving(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> None:
    def getaddrinfo(name: str, port: object, **kw: object) -> list[tuple[object, ...]]:
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, 1, 6, "", (a, 0)) for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_is_bound_as_one_loopback_address(monkeypatch: pytest.MonkeyPatch) -> None:
    # "localhost" was left to the server: it listened on ::1 and 127.0.0.1 on two different
    # free ports, and told editors one port under a name that may resolve to the other.
    _resolving(monkeypatch, "::1", "127.0.0.1")
    assert bind_address("localhost") == "127.0.0.1"
    assert bind_address("[::1]") == "::1" and bind_address("127.0.0.1") == "127.0.0.1"
    # a hosts file that maps the name elsewhere: never bound there
    _resolving(monkeypatch, "127.0.0.1", "192.168.1.20")
    with pytest.raises(UsageError, match="not only loopback"):
        bind_address("localhost")
