"""The app sends its shell and its JSON compressed, by itself (not only behind a proxy): brotli to a browser that
takes it, gzip to one that does not (Chrome over plain HTTP), with ``Vary: Accept-Encoding`` so that no cache
hands one browser's bytes to another, and an ETag of its own per encoding."""

import gzip

import brotli
import pytest

from tests.bench.test_app import shell_paths


def get(client, path, encoding, **headers):
    with client.get(path, headers={"Accept-Encoding": encoding, **headers}) as response:
        return response.status_code, response.headers, response.get_data()


@pytest.mark.parametrize("path", [path for path in shell_paths() if not path.endswith(".png")])
def test_every_text_file_of_the_shell_goes_gzip_to_a_browser_without_brotli(client, path):
    status, plain_headers, plain = get(client, path, "identity")
    assert status == 200
    assert "Content-Encoding" not in plain_headers
    status, headers, data = get(client, path, "gzip, deflate")
    assert status == 200
    if len(plain) >= 1024:
        assert headers["Content-Encoding"] == "gzip", path
        assert gzip.decompress(data) == plain
        assert int(headers["Content-Length"]) == len(data) < len(plain)
    assert "Accept-Encoding" in headers["Vary"]


def test_brotli_where_the_browser_takes_it_with_an_etag_per_encoding(client):
    _, plain_headers, plain = get(client, "/js/app.js", "identity")
    _, headers, data = get(client, "/js/app.js", "gzip, deflate, br")
    assert headers["Content-Encoding"] == "br"
    assert brotli.decompress(data) == plain
    assert headers["ETag"] != plain_headers["ETag"]
    # The browser's copy still answers 304 when it asks again with the encoding's ETag.
    status, _, again = get(client, "/js/app.js", "gzip, deflate, br", **{"If-None-Match": headers["ETag"]})
    assert (status, again) == (304, b"")


def test_the_apis_json_is_compressed_and_the_barcode_readers_webassembly_is_not(client, make_user, auth):
    user = make_user("admin")
    _, headers, data = get(client, "/api/openapi.json", "gzip", **auth(user))
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(data).startswith(b"{")
    _, headers, _ = get(client, "/node_modules/zxing-wasm/dist/reader/zxing_reader.wasm", "gzip, br")
    assert "Content-Encoding" not in headers
