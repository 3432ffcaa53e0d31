"""API of the install base: bulk import of sale records and the lookup of a unit by serial."""

import json
import os
import sys

import click
from flask.views import MethodView

from server.accounts import models as roles
from server.accounts.access import current_user
from server.accounts.access import roles_required
from server.api import Blueprint
from server.api import large_upload
from server.errors import DomainError
from server.extensions import db
from server.imports.schemas import ImportFileArgs
from server.imports.schemas import ImportResultSchema
from server.installbase import schemas
from server.installbase import services

blp = Blueprint("installbase", __name__, url_prefix="/api/install-base", description="Install base (安装点)")


@blp.route("/import")
class Import(MethodView):
    @roles_required(roles.ADMIN)
    @large_upload
    @blp.arguments(ImportFileArgs, location="files")
    @blp.response(200, ImportResultSchema)
    def post(self, files):
        """Import sale records from CSV: ``serial,model,sale_date,province,city,store,customer_phone``.

        Bad rows (unknown model or region, impossible date, empty or repeated
        serial) are reported by line; the good rows are kept. Importing the same
        file again inserts and changes nothing.
        """
        upload = files["file"]
        return services.import_sales(upload.stream, upload.filename or "upload")


# A path converter: serials may hold a '/', and every serial the import takes can be looked up.
@blp.route("/<path:serial>")
class Unit(MethodView):
    @roles_required(*roles.ROLES)
    @blp.response(200, schemas.UnitSchema)
    def get(self, serial):
        """A sold unit: its sale record, warranty status today, and its claims and jobs.

        Provider staff see their own provider's claims and jobs, and the
        customer's phone masked to its last four digits.
        """
        return services.unit_view(current_user(), serial)


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
