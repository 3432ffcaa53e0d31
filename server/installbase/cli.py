"""``flask --app server install-base import FILE``: sale records from the manufacturer's exports."""

import json
import os
import sys

import click

from server.errors import DomainError
from server.extensions import db
from server.installbase import services

install_base_cli = click.Group("install-base", help="The install base: sale records.")


@install_base_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path):
    """Import sale records from a CSV file, with a progress bar."""
    with (
        open(path, "rb") as binary,
        click.progressbar(length=os.path.getsize(path), label="sale records", file=sys.stderr) as bar,
    ):
        # Progress is the share of the file read; the reader runs ahead of the writer by a chunk.
        def advance(_rows):
            bar.update(binary.tell() - bar.pos)

        try:
            result = services.import_sales(binary, os.path.basename(path), progress=advance)
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))
