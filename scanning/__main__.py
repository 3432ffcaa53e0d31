"""``python -m scanning [--json] IMAGE...``: the barcodes of each image, one JSON object per line."""

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Literal
from typing import NotRequired
from typing import TypedDict

from scanning.decode import BarcodeDict
from scanning.decode import ImageRejected
from scanning.decode import Rejection
from scanning.decode import decode


class Failure(TypedDict):
    code: Rejection | Literal["unreadable_file"]
    message: str


class ImageLine(TypedDict):
    """One output line: an image's barcodes, or why there are none, and how long it took."""

    image: str
    barcodes: NotRequired[list[BarcodeDict]]
    error: NotRequired[Failure]
    ms: NotRequired[float]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scanning", description="Read the barcodes in label photos.")
    parser.add_argument("--json", action="store_true", help="one JSON object per image (the default output)")
    parser.add_argument("images", nargs="+", metavar="IMAGE")
    args = parser.parse_args(argv)
    failed = False
    for path in args.images:
        began = time.perf_counter()
        line: ImageLine = {"image": path}
        try:
            line["barcodes"] = [barcode.as_dict() for barcode in decode(path)]
        except ImageRejected as exc:
            line.update({"barcodes": [], "error": {"code": exc.code, "message": exc.message}})
            failed = True
        except OSError as exc:
            line.update({"barcodes": [], "error": {"code": "unreadable_file", "message": str(exc)}})
            failed = True
        line["ms"] = round((time.perf_counter() - began) * 1000, 1)
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
