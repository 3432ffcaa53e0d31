"""``flask --app server import KIND FILE``."""

import json

import click

from server.errors import DomainError
from server.extensions import db
from server.imports import services


@click.command("import")
@click.argument("kind", type=click.Choice(list(services.kinds())))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(kind, path):
    """Import a CSV file of reference data (regions, providers, users, products, policies, parts, stock,
    service cards)."""
    try:
        with open(path, "rb") as binary:
            result = services.import_file(kind, binary)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))
