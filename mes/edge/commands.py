"""Edge actions run from the command line: a parameter download to one machine."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from equipment_adapters import create_adapter
from mes.edge.parameters import ParameterDownloadError, Value, download_parameters, parse_parameter
from mes.models import Equipment
from mes.siteconfig.devices import device_spec_from_row


def parse_assignments(spec_tags: dict[str, object], assignments: Sequence[str]) -> dict[str, str]:
    """`name=value` pairs as a dict; ValueError names a pair without '='."""
    pairs: dict[str, str] = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"expected NAME=VALUE, got {item!r}")
        name = name.strip()
        pairs[name if name in spec_tags or name.startswith("param_") else f"param_{name}"] = value
    return pairs


async def download_to_equipment(factory: sessionmaker[Session], code: str, assignments: Sequence[str],
                                *, enable: bool = True) -> dict[str, Value]:
    """Connect to the machine `code` (from the database), download and verify; the values written."""
    with factory() as session:
        row = session.scalars(select(Equipment).where(Equipment.code == code)).one_or_none()
        if row is None:
            raise LookupError(f"no equipment {code!r} in the database")
        spec = device_spec_from_row(row.code, row.protocol, row.endpoint, row.connection, row.tag_map)
    tags = {tag.name: tag for tag in spec.tags}
    texts = parse_assignments(tags, assignments)
    unknown = [name for name in texts if name not in tags]
    if unknown:
        raise ParameterDownloadError(code, f"no such parameter tags: {', '.join(unknown)}")
    params = {name: parse_parameter(tags[name], text) for name, text in texts.items()}
    adapter = create_adapter(spec, supervise=False)
    try:
        await adapter.connect()
        await download_parameters(adapter, params, enable=enable)
    finally:
        await adapter.close()
    return params
