"""Upload endpoints of the reference-data imports."""

from flask.views import MethodView

from server.api import Blueprint
from server.api import large_upload
from server.core.access import roles_required
from server.core.roles import ADMIN
from server.core.schemas import ImportFileArgs
from server.core.schemas import ImportResultSchema
from server.imports import schemas
from server.imports import services

blp = Blueprint("imports", __name__, url_prefix="/api/admin/import", description="CSV imports of reference data")


@blp.route("")
class ImportKinds(MethodView):
    @roles_required(ADMIN)
    @blp.response(200, schemas.ImportKindSchema(many=True))
    def get(self):
        """The files an admin may import: each kind with the columns its header must hold and the address
        to send it to, reference data in the order a fresh installation loads it, then the install base's
        sale records."""
        return services.import_kinds()


@blp.route("/<kind>")
class Import(MethodView):
    @roles_required(ADMIN)
    @large_upload
    @blp.arguments(ImportFileArgs, location="files")
    @blp.response(200, ImportResultSchema)
    def post(self, files, kind):
        """Import a CSV file of ``kind``: regions, providers, users, products, policies, parts,
        stock or cards (service cards).

        Answers the counts of inserted, updated and unchanged rows and the rejected
        rows with their line and reason. The good rows are kept even when some are
        rejected; importing the same file again changes nothing.
        """
        return services.import_file(kind, files["file"].stream)
