"""The role -> permission matrix: who may do what (deny by default)."""

from mes.security.permissions import ROLE_PERMISSIONS, Permission, has_permission, permissions_of, roles_with


def test_every_role_of_the_site_file_has_a_row_in_the_matrix():
    assert set(ROLE_PERMISSIONS) == {"operator", "line_lead", "quality_engineer", "process_engineer", "administrator"}


def test_an_operator_cannot_release_a_batch_or_disposition_an_nc():
    assert has_permission("operator", Permission.UNIT_OPERATE)
    assert not has_permission("operator", Permission.BATCH_RELEASE)
    assert not has_permission("operator", Permission.NC_DISPOSITION)


def test_only_quality_engineers_release_batches_and_disposition_ncs():
    assert roles_with(Permission.BATCH_RELEASE) == ["quality_engineer"]
    assert roles_with(Permission.NC_DISPOSITION) == ["quality_engineer"]


def test_only_line_leads_override_a_calibration_or_qualification_refusal():
    assert roles_with(Permission.CALIBRATION_OVERRIDE) == ["line_lead"]


def test_administrators_manage_users_but_sign_no_product_records():
    admin = permissions_of("administrator")
    assert Permission.USER_MANAGE in admin
    assert not admin & {Permission.BATCH_RELEASE, Permission.NC_DISPOSITION, Permission.UNIT_OPERATE}


def test_an_unknown_role_or_permission_grants_nothing():
    assert permissions_of("intern") == frozenset()
    assert not has_permission("quality_engineer", "batch.relase")
