"""Two admins putting one unit on two cards of overlapping periods at the same moment: one card is made, the
other refused naming it. On PostgreSQL with real concurrent connections."""

import pytest

from server.extensions import db
from tests.cards.conftest import card_body
from tests.races import send_together

pytestmark = [pytest.mark.postgres_only, pytest.mark.commits]


def test_two_cards_for_one_unit_at_once_make_one(app, admin):
    db.session.commit()
    for round_ in range(3):
        serial = f"RACE-{round_}"
        bodies = [
            card_body(number=f"A{round_}", serials=[serial, f"A-ONLY-{round_}"]),
            card_body(number=f"B{round_}", serials=[f"B-ONLY-{round_}", serial.lower()], starts_on="2026-12-31"),
        ]
        answers = send_together(app, [("POST", "/api/cards", body, admin) for body in bodies])
        assert sorted(status for status, _ in answers) == [201, 422], (round_, answers)
        (made,) = [body for status, body in answers if status == 201]
        (refused,) = [body for status, body in answers if status == 422]
        assert refused["error"]["details"]["card_number"] == made["number"]
        assert list(refused["error"]["details"]["fields"]) == ["serials"]
