"""Upload endpoints of the reference-data imports."""

from flask.views import MethodView

from server.accounts.access import roles_required
from server.accounts.models import ADMIN
from server.api import Blueprint
from server.api import large_upload
from server.imports import schemas
from server.imports import services

blp = Blueprint("imports", __name__, url_prefix="/api/admin/import", description="CSV imports of reference data")


@blp.route("/<kind>")
class Import(MethodView):
    @roles_required(ADMIN)
    @large_upload
    @blp.arguments(schemas.ImportFileArgs, location="files")
    @blp.response(200, schemas.ImportResultSchema)
    def post(self, files, kind):
        """Import a CSV file of ``kind``: regions, providers, users, products, policies, parts or stock.

        Answers the counts of inserted, updated and unchanged rows and the rejected
        rows with their line and reason. The good rows are kept even when some are
        rejected; importing the same file again changes nothing.
        """
        return services.import_file(kind, files["file"].stream)
