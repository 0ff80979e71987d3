"""Quality workspace: batches, review by exception, nonconformances, audit trail, genealogy, DHR."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("quality", __name__, url_prefix="/quality")
