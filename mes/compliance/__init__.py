"""Part 11 / Annex 11 compliance: the audit trail and its verification."""

from mes.compliance.audit import AuditActor, audit_changes, record_audit
from mes.compliance.verify import ChainProblem, VerifyReport, verify_chain

__all__ = ["AuditActor", "ChainProblem", "VerifyReport", "audit_changes", "record_audit", "verify_chain"]
