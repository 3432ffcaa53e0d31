"""The app's files as the browser fetches them: the shell, its manifest, its service worker and modules."""

import json
from types import SimpleNamespace

import pytest

from server.config import REPO_ROOT
from server.web import shell_digest


def fetch(client, path):
    """GET ``path``; what the browser would see of it, with the file the server opened closed again."""
    with client.get(path) as response:
        return SimpleNamespace(
            status_code=response.status_code,
            mimetype=response.mimetype,
            max_age=response.cache_control.max_age,
            data=response.get_data(),
        )


def test_the_shell_links_its_manifest_icons_and_entry_module(client):
    page = fetch(client, "/")
    assert page.status_code == 200
    html = page.data.decode()
    for needed in ('rel="manifest" href="/manifest.webmanifest"', 'src="/js/app.js"', '"idb": "/node_modules/idb/'):
        assert needed in html


def test_the_manifest_makes_the_app_installable(client):
    response = fetch(client, "/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert fetch(client, icon["src"]).status_code == 200, icon["src"]


def test_the_service_worker_is_always_checked_with_the_server(client):
    response = fetch(client, "/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.max_age == 0


@pytest.mark.parametrize("path", ["/js/app.js", "/js/sync.js", "/js/i18n/zh-CN.js", "/node_modules/idb/build/index.js"])
def test_modules_are_served_as_javascript(client, path):
    response = fetch(client, path)
    assert response.status_code == 200, path
    assert response.mimetype == "text/javascript"


def test_an_unknown_api_address_stays_a_json_404_beside_the_app(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_shell_version_is_a_digest_of_its_files_and_changes_with_any(client, tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "app.js").write_text("export const a = 1;\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.js").write_text("ignored")
    before = shell_digest(tmp_path)
    (tmp_path / "node_modules" / "x.js").write_text("ignored, changed")  # pinned by the lock file instead
    assert shell_digest(tmp_path) == before
    (tmp_path / "js" / "app.js").write_text("export const a = 2;\n")
    assert shell_digest(tmp_path) != before

    served = fetch(client, "/js/shell-version.js")
    assert served.status_code == 200
    assert served.mimetype == "text/javascript"
    assert served.max_age == 0
    version = shell_digest(REPO_ROOT / "pwa")
    assert served.data.decode() == f'export const VERSION = "{version}";\n'
    assert fetch(client, "/sw.js").data.decode().endswith(f"// shell {version}\n")
