"""The demo's customer care: two templates and a draft campaign from one of them, written as a supervisor
writes them, so the campaign desk opens on something to preview and plan."""

from sqlalchemy import select

from server.campaigns.models import MessageTemplate
from server.campaigns.services import create_campaign
from server.campaigns.services import create_template
from server.extensions import db
from server.users.models import User

TEMPLATES = [
    {
        "code": "washer-filter",
        "name": "洗衣机滤网清洗提醒",
        "body": "【三包服务】尊敬的{province}{city}用户，您的{model}洗衣机（尾号{serial_tail}）使用已久，"
        "请定期清洗过滤网，以免排水不畅。如需上门清洗请致电{hotline}。",
    },
    {
        "code": "warranty-ending",
        "name": "保修到期提醒",
        "body": "【三包服务】您于{sale_date}购买的{product_name}（{model}）整机保修即将到期，"
        "如有问题请尽快致电{hotline}报修。",
    },
]


def seed_campaigns() -> int:
    """The templates and a draft campaign (once: a second run adds nothing); how many templates were added."""
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    if supervisor is None or db.session.scalar(select(MessageTemplate.id).limit(1)) is not None:
        return 0
    made = [create_template(values) for values in TEMPLATES]
    create_campaign(
        supervisor,
        {
            "name": "洗衣机滤网清洗（在保用户）",
            "template_id": made[0].id,
            "filters": {"categories": ["washing_machine"], "warranty": "in"},
            "rate_per_minute": 600,
        },
    )
    return len(made)
