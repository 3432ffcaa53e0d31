"""Output schema of the list of importable files."""

import marshmallow as ma


class ImportKindSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "regions, providers, …, or install-base"})
    columns = ma.fields.List(ma.fields.String(), metadata={"description": "The header's columns, in order"})
    optional = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "Columns a file may add after them; without them, stored values stay as they are"},
    )
    path = ma.fields.String(metadata={"description": "Where to POST the file (multipart field ``file``)"})
