from http import HTTPStatus

import pytest

from codesaga.daemon.websocket_server import check_handshake, is_loopback, parse_origins

TOKEN = "s3cret-token"
ORIGINS = parse_origins(r"vscode-webview://[0-9a-z-]+,vscode-file://vscode-app")
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
    ],
)
def test_handshake_rules(headers: dict[str, str], path: str, status: HTTPStatus | None) -> None:
    refused = check_handshake(path, headers, TOKEN, ORIGINS)
    assert (refused[0] if refused else None) == status


def test_loopback_names() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "10.0.0.1", "example.com", "::"]))
