"""The two-person rule where it applies beyond author/approver records (docs/electronic-signatures.md).

Nonconformance disposition: an NC opened **by hand** is a person's judgement, so another person
dispositions it (the opener cannot close their own NC). NCs the MES opens itself (out of spec, label
scan-back, machine fault) come from a measurement or a machine, not from a person's judgement, and any
quality engineer may disposition them. Which sources need a second person is the setting
MES_NC_TWO_PERSON_SOURCES (comma-separated; default `manual`; `all` for every source).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.signatures import require_two_persons
from mes.models import AuditEvent, Nonconformance

NC_SOURCES = ("out_of_spec", "label_scan", "machine_fault", "manual")
DEFAULT_NC_SOURCES = ("manual",)


def nc_two_person_sources(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """NC sources whose disposition needs someone other than the opener (MES_NC_TWO_PERSON_SOURCES)."""
    env = os.environ if environ is None else environ
    value = env.get("MES_NC_TWO_PERSON_SOURCES")
    if value is None:
        return frozenset(DEFAULT_NC_SOURCES)
    names = {part.strip() for part in value.split(",") if part.strip()}
    if names == {"all"}:
        return frozenset(NC_SOURCES)
    unknown = names - set(NC_SOURCES)
    if unknown:  # a misspelt source must not silently switch the rule off
        raise ValueError(f"MES_NC_TWO_PERSON_SOURCES: unknown source(s) {', '.join(sorted(unknown))}")
    return frozenset(names)


def nc_opener(session: Session, nc: Nonconformance) -> int | None:
    """The account that opened the NC, from its CREATE entry in the audit trail (None: the MES itself)."""
    query = (select(AuditEvent.user_id).where(AuditEvent.entity == "nonconformance",
                                              AuditEvent.entity_id == nc.number, AuditEvent.action == "CREATE")
             .order_by(AuditEvent.id))
    return session.scalars(query).first()


def check_nc_disposer(session: Session, nc: Nonconformance, disposer_id: int | None,
                      environ: Mapping[str, str] | None = None) -> None:
    """Refuse (TwoPersonRule) the opener dispositioning an NC of a source that needs a second person."""
    if nc.source in nc_two_person_sources(environ):
        require_two_persons(nc_opener(session, nc), disposer_id)
