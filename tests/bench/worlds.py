"""The smallest world the sync benchmarks need, written straight into the tables (fast, and the same in each)."""

from sqlalchemy import insert
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import ServiceRequest
from server.network.models import Provider
from server.network.models import Region
from server.network.models import provider_regions
from server.users.models import User


def one_technician():
    """A province and a city, a provider covering the city, and its one technician ``tech-bench``;
    ``(province id, city id, provider id, technician id)``. Inside an app context; not committed."""
    db.session.execute(
        insert(Region),
        [{"code": "370000", "name": "山东省", "level": "province", "area_class": "city", "parent_id": None}],
    )
    province = db.session.scalar(select(Region.id).where(Region.code == "370000"))
    db.session.execute(
        insert(Region),
        [{"code": "370100", "name": "济南市", "level": "city", "area_class": "city", "parent_id": province}],
    )
    city = db.session.scalar(select(Region.id).where(Region.code == "370100"))
    db.session.execute(insert(Provider), [{"code": "P001", "name": "济南历下家电服务部"}])
    provider = db.session.scalar(select(Provider.id))
    db.session.execute(insert(provider_regions), [{"provider_id": provider, "region_id": city}])
    db.session.execute(
        insert(User),
        [
            {
                "username": "tech-bench",
                "password_hash": "-",
                "role": "technician",
                "display_name": "王师傅",
                "provider_id": provider,
                "region_id": city,
            }
        ],
    )
    technician = db.session.scalar(select(User.id).where(User.username == "tech-bench"))
    return province, city, provider, technician


def customer_requests(count, city, opened):
    """``count`` customers' requests in ``city``, ids 1…count, the n-th opened at ``opened(n)``."""
    db.session.execute(
        insert(ServiceRequest),
        [
            {
                "id": n + 1,
                "number": f"SR{n + 1:08d}",
                "serial": f"SN{n:09d}",
                "customer_phone": f"138{n:08d}",
                "customer_name": "李女士",
                "address": f"历下区幸福路 {n + 1} 号 3 单元 502",
                "region_id": city,
                "fault_description": "开机后无图像，指示灯闪烁，有异响",
                "created_at": opened(n),
            }
            for n in range(count)
        ],
    )
