"""Alembic migrations are the only way the schema is made: they must agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from mes.migrate import current_revision, downgrade, upgrade
from mes.models import Base
from tests.support.database import engine_for, fresh_database_url


def test_autogenerate_finds_no_difference_between_models_and_migrations(tmp_path):
    with fresh_database_url(tmp_path) as url:
        engine = engine_for(url)
        upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        engine.dispose()
    assert diff == []


def test_the_schema_can_be_taken_down_to_empty_and_up_again(tmp_path):
    with fresh_database_url(tmp_path) as url:
        engine = engine_for(url)
        upgrade(engine)
        assert current_revision(engine) is not None
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        engine.dispose()
