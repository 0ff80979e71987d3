"""Operator terminal: a touch screen bound to a station, driven by badge and barcode scanner."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("terminal", __name__, url_prefix="/terminal")
