"""Outside tests, a crash answers 500 in the envelope: no stack trace, nothing kept."""

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server import create_app
from server.extensions import db
from server.network.models import Region
from tests.conftest import app_config


@pytest.fixture
def production_app(database_url, app):
    app = create_app(app_config(database_url, TESTING=False))

    @app.get("/boom")
    def boom():
        db.session.add(Region(code="BOOM", name="half-written", level="province", area_class="city"))
        db.session.flush()
        raise RuntimeError("secret internals")

    yield app
    with app.app_context():
        db.engine.dispose()


def test_crash_answers_500_envelope_without_trace_and_keeps_nothing(production_app):
    response = production_app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.json["error"]["code"] == "internal_error"
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Region).where(Region.code == "BOOM")) == 0
