"""``python -m scanning [--json] IMAGE...``: one JSON line per image, exit status 1 when any was refused."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanning.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def run(*arguments):
    return subprocess.run(
        [sys.executable, "-m", "scanning", *map(str, arguments)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def lines(output):
    return [json.loads(line) for line in output.splitlines()]


@pytest.fixture
def label_png(make_label, tmp_path):
    path = tmp_path / "label.png"
    make_label().save(path)
    return path


@pytest.fixture
def sticker_jpeg(make_sticker, tmp_path):
    path = tmp_path / "sticker.jpg"
    make_sticker().save(path, quality=90)
    return path


@pytest.fixture
def not_an_image(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_bytes(b"not an image")
    return path


def test_two_good_images_print_one_line_each_and_exit_0(label_png, sticker_jpeg, plate):
    done = run("--json", label_png, sticker_jpeg)

    assert done.returncode == 0
    first, second = lines(done.stdout)
    assert first["image"] == str(label_png)
    assert {(b["text"], b["symbology"]) for b in first["barcodes"]} == {(b.text, b.symbology) for b in plate.barcodes}
    assert second["image"] == str(sticker_jpeg)
    assert second["barcodes"] == [{"text": plate.serial, "symbology": "CODE128"}]
    for line in (first, second):
        assert set(line) == {"image", "barcodes", "ms"}
        assert isinstance(line["ms"], int | float)
        assert line["ms"] >= 0


def test_a_file_that_is_not_an_image_gets_an_error_and_exit_1(sticker_jpeg, not_an_image, plate):
    done = run("--json", not_an_image, sticker_jpeg)

    assert done.returncode == 1
    refused, read = lines(done.stdout)
    assert refused["image"] == str(not_an_image)
    assert refused["barcodes"] == []
    assert refused["error"]["code"] == "not_an_image"
    assert refused["error"]["message"]
    assert read["barcodes"] == [{"text": plate.serial, "symbology": "CODE128"}]
    assert "error" not in read


def test_a_missing_file_gets_an_error_and_exit_1(tmp_path):
    missing = tmp_path / "missing.png"

    done = run(missing)

    assert done.returncode == 1
    [line] = lines(done.stdout)
    assert line["image"] == str(missing)
    assert line["barcodes"] == []
    assert line["error"]["code"] == "unreadable_file"


def test_without_an_image_argparse_refuses_with_exit_2():
    done = run("--json")

    assert done.returncode == 2
    assert done.stdout == ""
    assert "IMAGE" in done.stderr


def test_main_in_process_prints_the_same_lines(label_png, sticker_jpeg, plate, capsys):
    status = main(["--json", str(label_png), str(sticker_jpeg)])

    assert status == 0
    first, second = lines(capsys.readouterr().out)
    assert [first["image"], second["image"]] == [str(label_png), str(sticker_jpeg)]
    assert len(first["barcodes"]) == 4
    assert second["barcodes"] == [{"text": plate.serial, "symbology": "CODE128"}]


def test_main_in_process_returns_1_for_a_refused_image(not_an_image, capsys):
    status = main([str(not_an_image)])

    assert status == 1
    [line] = lines(capsys.readouterr().out)
    assert line["error"]["code"] == "not_an_image"
