from http import HTTPStatus

import pytest

from codesaga.daemon.websocket_server import check_handshake, is_loopback, parse_origins

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
