"""API of the install base: bulk import of sale records."""

from flask.views import MethodView

from server.api import Blueprint
from server.api import large_upload
from server.core import roles
from server.core.access import roles_required
from server.core.schemas import ImportFileArgs
from server.core.schemas import ImportResultSchema
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
