"""Authority checks (21 CFR 11.10(d), (g)): one permission per action, and which roles hold it.

Pure data and functions: the web layer (web/permissions.py), the API and the services all ask
`has_permission`. A role missing from the matrix holds nothing (deny by default).
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    """An action someone may be allowed to take."""

    LINE_VIEW = "line.view"
    UNIT_OPERATE = "unit.operate"
    UNIT_TRACE = "unit.trace"
    WORK_ORDER_MANAGE = "work_order.manage"
    MATERIAL_RECEIVE = "material.receive"
    NC_OPEN = "nc.open"
    NC_DISPOSITION = "nc.disposition"
    BATCH_REVIEW = "batch.review"
    BATCH_RELEASE = "batch.release"
    RECIPE_APPROVE = "recipe.approve"
    ROUTING_APPROVE = "routing.approve"
    MASTER_DATA_VIEW = "master_data.view"
    MASTER_DATA_EDIT = "master_data.edit"
    USER_MANAGE = "user.manage"
    EQUIPMENT_MANAGE = "equipment.manage"
    CALIBRATION_OVERRIDE = "calibration.override"
    QUALIFICATION_MANAGE = "qualification.manage"
    AUDIT_VIEW = "audit.view"
    ALERT_VIEW = "alert.view"
    API_USE = "api.use"
    TERMINAL_REGISTER = "terminal.register"
    DOWNTIME_MANAGE = "downtime.manage"  # the downtime report; close or reclassify a stop (supervisors)


P = Permission
_EVERYONE = frozenset({P.LINE_VIEW, P.UNIT_TRACE, P.NC_OPEN})
_OPERATOR = _EVERYONE | {P.UNIT_OPERATE, P.MATERIAL_RECEIVE, P.API_USE}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "operator": frozenset(_OPERATOR),
    "line_lead": frozenset(_OPERATOR | {P.WORK_ORDER_MANAGE, P.CALIBRATION_OVERRIDE, P.BATCH_REVIEW,
                                       P.TERMINAL_REGISTER, P.DOWNTIME_MANAGE}),
    "quality_engineer": frozenset(_EVERYONE | {P.NC_DISPOSITION, P.BATCH_REVIEW, P.BATCH_RELEASE,
                                               P.RECIPE_APPROVE, P.ROUTING_APPROVE, P.AUDIT_VIEW, P.API_USE,
                                               P.QUALIFICATION_MANAGE, P.MASTER_DATA_VIEW}),
    "process_engineer": frozenset(_EVERYONE | {P.RECIPE_APPROVE, P.ROUTING_APPROVE, P.EQUIPMENT_MANAGE,
                                               P.WORK_ORDER_MANAGE, P.AUDIT_VIEW, P.API_USE,
                                               P.MASTER_DATA_VIEW, P.MASTER_DATA_EDIT, P.DOWNTIME_MANAGE}),
    # Administrators run the system, not production: no signing of product records (segregation of duties).
    "administrator": frozenset({P.LINE_VIEW, P.USER_MANAGE, P.EQUIPMENT_MANAGE, P.QUALIFICATION_MANAGE,
                                P.AUDIT_VIEW, P.ALERT_VIEW, P.API_USE, P.TERMINAL_REGISTER, P.MASTER_DATA_VIEW}),
}
ROLES = tuple(ROLE_PERMISSIONS)


def permissions_of(role: str) -> frozenset[Permission]:
    """Everything the role may do; nothing for an unknown role."""
    return ROLE_PERMISSIONS.get(role, frozenset())


def has_permission(role: str, permission: Permission | str) -> bool:
    """True when the role holds the permission."""
    try:
        return Permission(permission) in permissions_of(role)
    except ValueError:  # a misspelt permission grants nothing
        return False


def roles_with(permission: Permission | str) -> list[str]:
    """The roles holding a permission, for messages and documentation."""
    return [role for role in ROLES if has_permission(role, permission)]
