"""Terminal registration (a screen bound to a station) and work instructions on routing operations."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mes.compliance.audit import AuditActor
from mes.models import InstructionDocument, RoutingOperation, Station, Terminal, WorkInstruction, utcnow
from mes.production.common import audit, get_by
from mes.production.errors import InvalidInput, NotFound

LANGUAGES = ("ru", "en")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_INSTRUCTION_CHARS = 20_000
# What a document's first bytes must be for its declared type: the upload's own claim is not trusted.
SIGNATURES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff", "application/pdf": b"%PDF-"}


@dataclass(frozen=True)
class Registration:
    """A new terminal and the token its browser keeps (shown once, stored only hashed)."""

    terminal: Terminal
    token: str


def token_hash(token: str) -> str:
    """The stored form of a terminal token."""
    return hashlib.sha256(f"mes-terminal:{token}".encode()).hexdigest()


def register_terminal(session: Session, actor: AuditActor, name: str, station_code: str,
                      language: str = "ru") -> Registration:
    """Bind a new terminal to a station (done by a line lead or administrator at the screen itself)."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise InvalidInput("the terminal needs a name of 1 to 80 characters")
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
    station = get_by(session, Station, "Station", code=station_code)
    token = secrets.token_urlsafe(32)
    terminal = Terminal(name=name, station_id=station.id, token_hash=token_hash(token), language=language,
                        registered_by_id=actor.user_id)
    session.add(terminal)
    session.flush()
    audit(session, actor, "CREATE", "terminal", terminal.id,
          new={"name": name, "station": station_code, "language": language})
    return Registration(terminal, token)


def terminal_by_token(session: Session, token: str | None) -> Terminal | None:
    """The registered, not revoked terminal holding this token."""
    if not token:
        return None
    found = session.scalars(select(Terminal).where(Terminal.token_hash == token_hash(token))).one_or_none()
    return found if found is not None and found.revoked_at is None else None


def revoke_terminal(session: Session, actor: AuditActor, terminal_id: int) -> Terminal:
    """Unbind a terminal: its token stops working."""
    terminal = session.get(Terminal, terminal_id)
    if terminal is None:
        raise NotFound("Terminal", terminal_id)
    if terminal.revoked_at is None:
        terminal.revoked_at = utcnow()
        audit(session, actor, "UPDATE", "terminal", terminal.id, field="revoked_at",
              new=terminal.revoked_at.isoformat())
    return terminal


def list_terminals(session: Session) -> list[tuple[Terminal, Station]]:
    """Every terminal not revoked, with its station."""
    query = (select(Terminal, Station).join(Station, Station.id == Terminal.station_id)
             .where(Terminal.revoked_at.is_(None)).order_by(Station.position, Terminal.name))
    return [(t, s) for t, s in session.execute(query)]


def instruction_of(session: Session, routing_operation_id: int) -> WorkInstruction | None:
    """The operation's instruction text, if it has one."""
    return session.scalars(select(WorkInstruction)
                           .where(WorkInstruction.routing_operation_id == routing_operation_id)).one_or_none()


def documents_of(session: Session, routing_operation_id: int) -> list[InstructionDocument]:
    """The operation's documents, oldest first (content not loaded until read)."""
    query = select(InstructionDocument).where(InstructionDocument.routing_operation_id == routing_operation_id)
    return list(session.scalars(query.order_by(InstructionDocument.id)))


def set_instruction(session: Session, actor: AuditActor, routing_operation_id: int, text: str) -> WorkInstruction:
    """Write the operation's instruction text; each change is a new revision, audited with old and new text."""
    if len(text) > MAX_INSTRUCTION_CHARS:
        raise InvalidInput(f"the instruction is longer than {MAX_INSTRUCTION_CHARS} characters")
    _operation(session, routing_operation_id)
    current = instruction_of(session, routing_operation_id)
    if current is None:
        current = WorkInstruction(routing_operation_id=routing_operation_id, text=text, revision=1,
                                  updated_by_id=actor.user_id, updated_at=utcnow())
        session.add(current)
        session.flush()
        audit(session, actor, "CREATE", "work_instruction", routing_operation_id, new=text)
        return current
    if current.text != text:
        audit(session, actor, "UPDATE", "work_instruction", routing_operation_id, field="text", old=current.text,
              new=text, reason=f"revision {current.revision + 1}")
        current.text, current.revision = text, current.revision + 1
        current.updated_by_id, current.updated_at = actor.user_id, utcnow()
    return current


def add_document(session: Session, actor: AuditActor, routing_operation_id: int, title: str, filename: str,
                 content_type: str, content: bytes) -> InstructionDocument:
    """Attach a PNG, JPEG or PDF to the operation's instruction (its type checked from its bytes)."""
    _operation(session, routing_operation_id)
    expected = SIGNATURES.get(content_type)
    if expected is None:
        raise InvalidInput("only PNG, JPEG and PDF documents can be attached")
    if not content or len(content) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"the document must be 1 byte to {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
    if not content.startswith(expected):
        raise InvalidInput(f"the file is not a {content_type} document")
    title = (title or filename or "").strip()[:200] or "document"
    document = InstructionDocument(routing_operation_id=routing_operation_id, title=title,
                                   filename=(filename or "document")[:200], content_type=content_type,
                                   content=content, sha256=hashlib.sha256(content).hexdigest(),
                                   uploaded_by_id=actor.user_id)
    session.add(document)
    session.flush()
    audit(session, actor, "CREATE", "instruction_document", document.id,
          new={"operation": routing_operation_id, "title": title, "type": content_type, "sha256": document.sha256,
               "bytes": len(content)})
    return document


def remove_document(session: Session, actor: AuditActor, document_id: int) -> None:
    """Detach a document from an instruction (the audit trail keeps its hash and title)."""
    document = session.get(InstructionDocument, document_id)
    if document is None:
        raise NotFound("Document", document_id)
    audit(session, actor, "DELETE", "instruction_document", document.id,
          old={"title": document.title, "sha256": document.sha256})
    session.delete(document)


def _operation(session: Session, routing_operation_id: int) -> RoutingOperation:
    operation = session.get(RoutingOperation, routing_operation_id)
    if operation is None:
        raise NotFound("Routing operation", routing_operation_id)
    return operation


DEMO_INSTRUCTIONS = {
    ("R-PM100", 10): "1. Put the main board into the rear housing, connector towards the opening.\n"
                     "2. Scan the main board, the battery pack and the screw lot.\n"
                     "3. Place the front housing, press until both clips click.\n"
                     "4. Put the unit in the spindle fixture and hand it to the machine: "
                     "4 screws M3×8 crosswise, 2.0 N·m.",
    ("R-PM100", 20): "1. Connect mains lead and PE clip to the unit.\n"
                     "2. Close the safety cover, hand the unit to the tester.\n"
                     "3. Do not touch the unit while the red lamp is on.",
    ("R-PM100", 30): "1. Connect the test harness (3 plugs, colour-coded).\n"
                     "2. Hand the unit to the functional tester; wait for the result.",
    ("R-PM100", 40): "1. Place the unit in the marking nest, label side up.\n"
                     "2. Hand it to the laser; check the verifier's grade on the screen.",
}


def install_demo_instructions(session: Session, actor: AuditActor) -> int:
    """Instruction texts for the demo PM-100's operations that have none yet; how many were written."""
    written = 0
    for (code, seq), text in DEMO_INSTRUCTIONS.items():
        operation = session.scalars(select(RoutingOperation).join(RoutingOperation.routing).where(
            RoutingOperation.seq == seq, RoutingOperation.routing.has(code=code))
            .order_by(RoutingOperation.id.desc())).first()
        if operation is not None and instruction_of(session, operation.id) is None:
            set_instruction(session, actor, operation.id, text)
            written += 1
    return written
