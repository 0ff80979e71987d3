"""Traceability: each control of 21 CFR Part 11 (and Annex 11's additions) -> the tests that show it.

This table is the core of the validation report (§11.10(a)); the tests below keep it honest: every
control names at least one test, and every named test exists in the suite.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SIGN_IN = "tests/e2e/test_sign_in.py"
SIGN_IN_AUDIT = "tests/e2e/test_sign_in_audit.py"
ACCOUNTS = "tests/e2e/test_account_policies.py"
ROUTES = "tests/e2e/test_route_access.py"
SIGS = "tests/integration/compliance/test_signatures.py"
SIG_RULES = "tests/unit/compliance/test_signature_rules.py"
CANON = "tests/unit/compliance/test_canonical.py"
GATING = "tests/integration/compliance/test_operation_gating.py"
APPEND = "tests/integration/compliance/test_append_only.py"
VERIFY = "tests/integration/compliance/test_verify.py"
RECORD = "tests/integration/compliance/test_recording.py"
CHANGES = "tests/integration/compliance/test_audit_changes.py"
AUDIT_CLI = "tests/integration/compliance/test_audit_cli.py"
EXECUTION = "tests/integration/production/test_execution.py"
WORK_ORDERS = "tests/integration/production/test_work_orders.py"
ROUTING = "tests/unit/production/test_routing_rules.py"
API_SCENARIO = "tests/e2e/api/test_production_scenario.py"
MIGRATIONS = "tests/integration/database/test_migrations.py"
HERE = "tests/compliance_controls/test_part11_controls.py"
OVERRIDES_API = "tests/e2e/api/test_overrides_and_history_api.py"
AUDIT_SEARCH = "tests/integration/compliance/test_audit_search.py"
BADGES = "tests/e2e/test_badge_keys.py"
NC_TWO_PERSON = "tests/integration/quality/test_nc_two_person_rule.py"
RELEASE_RULES = "tests/integration/quality/test_nc_and_release_rules.py"
MASTER_RECIPES = "tests/integration/masterdata/test_recipes.py"
MASTER_ROUTINGS = "tests/integration/masterdata/test_routings_and_boms.py"
ADMIN_PAGES = "tests/e2e/test_admin_pages.py"
QUALITY_UI = "tests/e2e/test_quality_workspace.py"

CONTROLS: dict[str, list[str]] = {
    "11.10(a) validation": [
        f"{HERE}::test_every_control_names_at_least_one_test",
        f"{HERE}::test_every_named_test_exists_in_the_suite",
        f"{MIGRATIONS}::test_autogenerate_finds_no_difference_between_models_and_migrations",
    ],
    "11.10(b) accurate and complete copies": [
        f"{AUDIT_CLI}::test_show_prints_a_records_history_oldest_first",
        f"{SIG_RULES}::test_the_manifestation_shows_printed_name_meaning_local_and_utc_time",
        f"{OVERRIDES_API}::test_a_records_history_shows_who_when_where_what_why_and_its_signatures",
        f"{QUALITY_UI}::test_dhr_and_batch_record_download_as_pdf_and_the_export_is_audited",
    ],
    "11.10(c) protection of records": [
        f"{APPEND}::test_raw_sql_that_changes_or_removes_an_entry_is_refused",
        f"{APPEND}::test_the_orm_cannot_edit_or_delete_an_entry_either",
        f"{SIGS}::test_the_database_refuses_to_edit_a_signature",
    ],
    "11.10(d) access limited to authorized individuals": [
        f"{ROUTES}::test_every_route_refuses_an_anonymous_request_with_a_redirect_to_sign_in_or_401",
        f"{SIGN_IN}::test_an_anonymous_request_gets_nothing_but_the_sign_in_page",
        f"{SIGN_IN}::test_an_idle_session_expires",
    ],
    "11.10(e) audit trail": [
        f"{RECORD}::test_an_entry_keeps_who_what_where_why_and_the_values_as_json",
        f"{RECORD}::test_the_first_entry_starts_from_the_genesis_hash_and_each_next_links_to_it",
        f"{CHANGES}::test_an_update_logs_one_entry_per_changed_column_with_old_new_and_reason",
        f"{APPEND}::test_a_correction_is_a_new_entry_and_the_old_one_stays",
        f"{VERIFY}::test_an_edited_value_is_named_by_its_entry",
        f"{VERIFY}::test_a_deleted_entry_is_named_as_missing",
        f"{SIGN_IN_AUDIT}::test_a_sign_in_is_recorded_with_the_users_printed_name_and_terminal",
        f"{SIGS}::test_signing_writes_a_sign_entry_in_the_audit_trail_with_the_signature_id",
        f"{OVERRIDES_API}::test_a_records_history_shows_who_when_where_what_why_and_its_signatures",
        f"{OVERRIDES_API}::test_the_audit_search_filters_and_pages",
        f"{AUDIT_SEARCH}::test_newest_first_with_every_filter_combined",
        f"{AUDIT_SEARCH}::test_pages_follow_on_without_gaps_or_repeats",
        f"{QUALITY_UI}::test_the_audit_trail_can_be_filtered_and_every_record_has_its_history",
    ],
    "11.10(f) operational checks (sequence of steps)": [
        f"{EXECUTION}::test_an_operation_out_of_sequence_is_refused_with_the_expected_one_named",
        f"{ROUTING}::test_a_held_unit_cannot_start_anything",
        f"{WORK_ORDERS}::test_a_work_order_on_an_unapproved_routing_cannot_be_released",
    ],
    "11.10(g) authority checks": [
        f"{ROUTES}::test_each_role_gets_exactly_the_annotated_routes_its_permissions_allow",
        f"{SIGS}::test_a_role_without_the_permission_cannot_sign_for_it",
        f"{GATING}::test_an_operator_cannot_grant_an_override",
        "tests/unit/security/test_permissions.py::test_an_operator_cannot_release_a_batch_or_disposition_an_nc",
        f"{OVERRIDES_API}::test_a_lead_signs_at_the_operators_terminal_with_user_name_and_password",
        f"{OVERRIDES_API}::test_a_bad_override_is_refused_before_anything_is_signed",
        f"{QUALITY_UI}::test_people_without_the_permission_cannot_open_the_workspace_or_sign",
    ],
    "11.10(h) device checks": [
        f"{SIGN_IN_AUDIT}::test_a_sign_in_is_recorded_with_the_users_printed_name_and_terminal",
        f"{API_SCENARIO}::test_the_scenario_leaves_an_intact_audit_chain_naming_the_token_user_and_terminal",
        f"{WORK_ORDERS}::test_equipment_past_its_calibration_due_date_blocks_the_operation",
        f"{OVERRIDES_API}::test_a_records_history_shows_who_when_where_what_why_and_its_signatures",
    ],
    "11.10(i) education, training, experience": [
        f"{GATING}::test_an_operator_without_the_required_qualification_is_refused",
        f"{GATING}::test_an_expired_qualification_is_refused_and_a_valid_one_lets_the_operator_start",
        f"{GATING}::test_due_soon_lists_qualifications_and_calibrations_running_out_and_logs_a_warning",
    ],
    "11.10(j) written policies: signers accountable": [
        f"{HERE}::test_the_written_policies_for_signers_and_administrators_are_in_the_docs",
    ],
    "11.10(k) system documentation controls": [
        f"{MIGRATIONS}::test_the_schema_can_be_taken_down_to_empty_and_up_again",
        f"{HERE}::test_the_written_policies_for_signers_and_administrators_are_in_the_docs",
    ],
    "11.50 signature manifestation": [
        f"{SIG_RULES}::test_the_manifestation_shows_printed_name_meaning_local_and_utc_time",
        f"{SIGS}::test_a_signature_stores_signer_printed_name_meaning_utc_time_reason_and_content_hash",
        f"{QUALITY_UI}::test_release_is_refused_while_an_exception_is_open_and_accepted_once_it_is_reviewed",
    ],
    "11.70 signature/record linking": [
        f"{SIG_RULES}::test_a_signature_verifies_only_against_the_content_it_was_made_on",
        f"{SIGS}::test_a_changed_record_no_longer_verifies_against_its_signature",
        f"{CANON}::test_any_changed_value_changes_the_hash",
        f"{CANON}::test_decimals_and_floats_of_the_same_value_hash_alike",
        f"{ADMIN_PAGES}::test_a_set_point_changed_behind_the_applications_back_shows_the_approval_as_invalid",
    ],
    "11.200(a) two components, continuous session": [
        f"{SIG_RULES}::test_the_first_signing_of_a_session_needs_the_user_name_too",
        f"{SIG_RULES}::test_later_signings_in_a_continuous_session_need_only_the_password",
        f"{SIG_RULES}::test_a_break_in_continuity_needs_both_components_again",
        f"{SIGS}::test_a_wrong_password_refuses_the_signature_rolls_back_the_action_and_is_audited",
        f"{SIGS}::test_a_user_name_that_is_not_the_signers_is_refused_like_a_wrong_password",
        f"{ACCOUNTS}::test_a_new_account_must_change_its_one_time_password_before_anything_else",
        f"{ACCOUNTS}::test_the_first_signing_of_a_web_session_asks_for_the_user_name_and_later_ones_do_not",
        f"{QUALITY_UI}::test_the_first_signing_of_a_session_needs_the_signers_own_user_name",
        f"{QUALITY_UI}::test_a_wrong_password_refuses_the_signature_says_so_and_counts_toward_the_lockout",
    ],
    "11.300 identification codes and passwords": [
        f"{ACCOUNTS}::test_an_expired_password_forces_a_change_at_sign_in",
        f"{ACCOUNTS}::test_a_revoked_badge_no_longer_signs_in",
        f"{ACCOUNTS}::test_a_wrong_pin_is_refused_and_audited_and_repeated_failures_lock_and_alert",
        f"{ACCOUNTS}::test_mes_user_create_prints_a_one_time_password_that_signs_in_once",
        f"{SIGS}::test_repeated_signing_failures_lock_the_account_and_alert_administrators",
        f"{QUALITY_UI}::test_five_wrong_passwords_lock_the_account_and_end_the_session",
        f"{SIGN_IN}::test_five_wrong_passwords_lock_the_account_even_for_the_right_password",
        f"{ACCOUNTS}::test_administrators_see_the_lockout_alert_and_acknowledge_it",
        f"{BADGES}::test_the_stored_badge_is_an_hmac_with_the_site_key_not_a_plain_hash",
        f"{BADGES}::test_a_badge_stored_before_keys_is_refused_with_a_clear_message_until_reassigned",
        f"{BADGES}::test_badges_of_another_key_are_listed_for_reassignment",
        f"{BADGES}::test_a_database_with_no_file_beside_it_keeps_the_key_in_the_var_folder",
    ],
    "Annex 11 §9 reason for changes; §12 two-person and authorised release": [
        f"{CHANGES}::test_an_update_logs_one_entry_per_changed_column_with_old_new_and_reason",
        f"{SIG_RULES}::test_the_same_person_cannot_author_and_approve",
        f"{GATING}::test_a_line_lead_override_with_signature_and_reason_lets_one_start_through",
        f"{ACCOUNTS}::test_mes_user_unlock_and_reset_password_are_audited_with_their_reason",
        f"{OVERRIDES_API}::test_a_refused_start_goes_through_after_a_leads_override_and_is_an_exception_in_review",
        f"{NC_TWO_PERSON}::test_whoever_opened_an_nc_by_hand_cannot_disposition_it_and_a_colleague_can",
        f"{NC_TWO_PERSON}::test_the_site_can_extend_the_rule_to_every_source",
        f"{RELEASE_RULES}::test_the_creator_of_a_work_order_cannot_release_it",
        f"{QUALITY_UI}::test_release_is_refused_while_an_exception_is_open_and_accepted_once_it_is_reviewed",
        f"{MASTER_RECIPES}::test_the_author_cannot_approve_their_own_draft",
        f"{MASTER_ROUTINGS}::test_a_new_routing_version_copies_the_plan_and_is_approved_by_a_second_person",
        f"{MASTER_ROUTINGS}::test_a_bom_drafted_by_one_person_is_approved_by_another",
    ],
}


def _test_function(node_id: str):  # type: ignore[no-untyped-def]
    path, _, name = node_id.partition("::")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, name.split("[", 1)[0], None)


def test_every_control_names_at_least_one_test():
    assert all(CONTROLS.values())
    assert {"11.50 signature manifestation", "11.70 signature/record linking"} <= set(CONTROLS)
    assert sum(key.startswith("11.10(") for key in CONTROLS) == 11  # (a) to (k)


def test_every_named_test_exists_in_the_suite():
    missing = [node for nodes in CONTROLS.values() for node in nodes
               if not (ROOT / node.partition("::")[0]).exists() or not inspect.isfunction(_test_function(node))]
    assert missing == []


def test_the_written_policies_for_signers_and_administrators_are_in_the_docs():
    signatures = (ROOT / "docs" / "electronic-signatures.md").read_text()
    users = (ROOT / "docs" / "users-and-roles.md").read_text()
    assert "legally binding" in signatures and "§11.100" in signatures  # accountability of signers
    assert "one-time password" in users and "mes user revoke-badge" in users
    # the settings that shape a control are documented where the people who set them read
    assert "MES_NC_TWO_PERSON_SOURCES" in signatures and "MES_BADGE_KEY" in users
