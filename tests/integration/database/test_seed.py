"""Seeding imports the site file idempotently."""

from sqlalchemy import func, select

from mes.db import unit_of_work
from mes.models import Equipment, Product, Station, User
from mes.security.passwords import verify_password
from mes.services.seed import seed_site


def test_seeding_twice_changes_nothing_the_second_time(sessions, demo_site):
    with unit_of_work(sessions) as s:
        first = seed_site(s, demo_site, "demo")
    with unit_of_work(sessions) as s:
        second = seed_site(s, demo_site, "demo")
        stations = s.scalar(select(func.count()).select_from(Station))
    assert first.created["station"] == 5 and first.created["equipment"] == 5
    assert not second.changed_anything
    assert stations == 5


def test_a_changed_site_file_updates_the_rows_it_names(sessions, demo_site):
    with unit_of_work(sessions) as s:
        seed_site(s, demo_site, "demo")
    changed = demo_site.model_copy(deep=True)
    leak = next(e for e in changed.equipment if e.code == "LEAK01-TESTER")
    object.__setattr__(leak, "endpoint", "127.0.0.1:16022")
    with unit_of_work(sessions) as s:
        report = seed_site(s, changed, "demo")
        endpoint = s.scalar(select(Equipment.endpoint).where(Equipment.code == "LEAK01-TESTER"))
    assert report.updated == {"equipment": 1}
    assert endpoint == "127.0.0.1:16022"


def test_products_keep_their_registration_certificate_and_routing(seeded):
    with seeded() as s:
        pump = s.scalars(select(Product).where(Product.gtin == "04630045100012")).one()
        assert pump.registration_number == "РЗН 2024/21977"
        assert [op.station_type for op in pump.routing.operations][:2] == ["screwdriving", "leak_test"]


def test_demo_users_get_a_hashed_password_never_the_plain_one(seeded):
    with seeded() as s:
        user = s.scalars(select(User).where(User.username == "operator")).one()
    assert user.password_hash.startswith("$argon2id$")
    assert "demo" not in user.password_hash
    assert verify_password(user.password_hash, "demo")
    assert not verify_password(user.password_hash, "Demo")
