"""Terminal registration (token kept only hashed, revocable) and work instructions with checked documents."""

import pytest
from sqlalchemy import select

from mes.db import unit_of_work
from mes.models import AuditEvent, RoutingOperation, Terminal
from mes.production.errors import InvalidInput, NotFound
from mes.production.terminals import (
    add_document,
    documents_of,
    install_demo_instructions,
    instruction_of,
    register_terminal,
    remove_document,
    revoke_terminal,
    set_instruction,
    terminal_by_token,
    token_hash,
)
from tests.support.production import ACTOR

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


def first_operation(sessions) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return s.scalars(select(RoutingOperation.id).order_by(RoutingOperation.id)).first()


def test_a_registered_terminal_is_found_by_its_token_until_it_is_revoked(seeded):
    with unit_of_work(seeded) as s:
        registration = register_terminal(s, ACTOR, "SCR01 screen", "SCR01", "en")
        terminal_id = registration.terminal.id
    token = registration.token
    with unit_of_work(seeded) as s:
        terminal = terminal_by_token(s, token)
        assert terminal is not None and terminal.id == terminal_id and terminal.language == "en"
        assert terminal.token_hash == token_hash(token) != token
        assert terminal_by_token(s, token + "x") is None and terminal_by_token(s, None) is None
        revoke_terminal(s, ACTOR, terminal_id)
    with unit_of_work(seeded) as s:
        assert terminal_by_token(s, token) is None
        audited = s.scalars(select(AuditEvent.action).where(AuditEvent.entity == "terminal")).all()
    assert audited == ["CREATE", "UPDATE"]


@pytest.mark.parametrize(("name", "station", "language", "error"), [
    ("", "SCR01", "ru", InvalidInput), ("x" * 81, "SCR01", "ru", InvalidInput),
    ("T", "SCR01", "de", InvalidInput), ("T", "NOPE", "ru", NotFound)])
def test_a_bad_registration_is_refused_and_writes_nothing(seeded, name, station, language, error):
    with pytest.raises(error), unit_of_work(seeded) as s:
        register_terminal(s, ACTOR, name, station, language)
    with unit_of_work(seeded) as s:
        assert s.scalars(select(Terminal)).all() == []


def test_each_change_of_an_instruction_is_a_new_revision_with_old_and_new_text_audited(seeded):
    op = first_operation(seeded)
    with unit_of_work(seeded) as s:
        set_instruction(s, ACTOR, op, "Tighten the screws.")
        set_instruction(s, ACTOR, op, "Tighten the screws.")  # unchanged: no new revision
        set_instruction(s, ACTOR, op, "Tighten the screws crosswise.")
    with unit_of_work(seeded) as s:
        instruction = instruction_of(s, op)
        assert (instruction.text, instruction.revision) == ("Tighten the screws crosswise.", 2)
        update = s.scalars(select(AuditEvent).where(AuditEvent.entity == "work_instruction",
                                                    AuditEvent.action == "UPDATE")).one()
        assert "Tighten the screws." in update.old_value and "crosswise" in update.new_value


def test_documents_must_be_what_they_claim_to_be(seeded):
    op = first_operation(seeded)
    with unit_of_work(seeded) as s:
        doc = add_document(s, ACTOR, op, "Wiring", "wiring.pdf", "application/pdf", PDF)
        assert len(doc.sha256) == 64
    for content_type, content in (("application/pdf", b"<html>"), ("image/gif", b"GIF89a"),
                                  ("image/png", b""), ("image/jpeg", b"\xff\xd8\xff" + b"0" * (10 * 2**20))):
        with pytest.raises(InvalidInput), unit_of_work(seeded) as s:
            add_document(s, ACTOR, op, "x", "x", content_type, content)
    with unit_of_work(seeded) as s:
        assert [d.title for d in documents_of(s, op)] == ["Wiring"]
        remove_document(s, ACTOR, doc.id)
    with unit_of_work(seeded) as s:
        assert documents_of(s, op) == []
        assert s.scalars(select(AuditEvent.action).where(AuditEvent.entity == "instruction_document")).all() == [
            "CREATE", "DELETE"]


def test_the_demo_instructions_are_written_once_and_never_over_an_engineers_text(seeded):
    with unit_of_work(seeded) as s:
        screwing = s.scalars(select(RoutingOperation).join(RoutingOperation.routing)
                             .where(RoutingOperation.seq == 10, RoutingOperation.name == "Housing screwing")).one()
        set_instruction(s, ACTOR, screwing.id, "Our own text.")
        assert install_demo_instructions(s, ACTOR) == 3
        assert install_demo_instructions(s, ACTOR) == 0
        assert instruction_of(s, screwing.id).text == "Our own text."
