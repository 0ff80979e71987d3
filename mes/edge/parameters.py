"""Parameter download (docs/plc-handshakes.md §c): write the block, read it back, compare, enable the cycle."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping
from typing import Any

from equipment_adapters.base import EquipmentAdapter
from equipment_adapters.codecs import values_match
from equipment_adapters.errors import EquipmentError
from equipment_adapters.tags import DataType, TagSpec

log = logging.getLogger("mes.edge.parameters")

Value = float | int | bool | str
INTEGER_TYPES = frozenset({DataType.INT16, DataType.UINT16, DataType.INT32, DataType.UINT32})


class ParameterDownloadError(Exception):
    """The download did not take: a write failed or a value read back differs; the cycle stays disabled."""

    def __init__(self, equipment: str, message: str, mismatches: Mapping[str, tuple[Any, Any]] | None = None):
        super().__init__(f"{equipment}: {message}")
        self.equipment = equipment
        self.mismatches = dict(mismatches or {})  # name -> (written, read back)


async def download_parameters(adapter: EquipmentAdapter, params: Mapping[str, Value], *,
                              settle_s: float = 0.1, enable: bool = True) -> None:
    """Write `params` (param_* tags), read them back after `settle_s`, compare, then set cycle_enable=1."""
    code = adapter.device.name
    tags = _parameter_tags(adapter, params)
    try:
        for name, value in params.items():
            await adapter.write(name, value)
        # Read back after the PLC had a few scans: a value it clamps or refuses is reverted on its
        # scan, not in the protocol server's memory that an immediate read-back would see.
        await asyncio.sleep(settle_s)
        read_back = await adapter.read(list(params))
    except EquipmentError as exc:
        raise ParameterDownloadError(code, f"download failed: {exc}") from exc
    mismatches = {name: (params[name], read_back[name].value) for name in params
                  if not read_back[name].is_good or not _same(tags[name], params[name], read_back[name].value)}
    if mismatches:
        raise ParameterDownloadError(code, f"read-back differs for {', '.join(sorted(mismatches))}", mismatches)
    if enable:
        try:
            await adapter.write("cycle_enable", 1)
        except EquipmentError as exc:
            raise ParameterDownloadError(code, f"cycle_enable not set: {exc}") from exc
    log.info("%s: parameters downloaded and verified: %s", code, dict(params))


def parse_parameter(tag: TagSpec, text: str) -> Value:
    """A command-line value (`name=value`) converted to the tag's type."""
    if tag.data_type is DataType.STRING:
        return text
    if tag.data_type in (DataType.BOOL, DataType.BIT):
        return text.strip().lower() in ("1", "true", "yes", "on")
    if tag.data_type in INTEGER_TYPES and tag.gain == 1.0 and tag.offset == 0.0:
        return int(text)
    return float(text)


def _parameter_tags(adapter: EquipmentAdapter, params: Mapping[str, Value]) -> dict[str, TagSpec]:
    code = adapter.device.name
    if not params:
        raise ParameterDownloadError(code, "no parameters given")
    wrong = [name for name in params if not name.startswith("param_")]
    if wrong:
        raise ParameterDownloadError(code, f"not parameter tags: {', '.join(wrong)}")
    try:
        return {name: adapter.device.tag(name) for name in params}
    except KeyError as exc:
        raise ParameterDownloadError(code, str(exc.args[0])) from None


def _same(tag: TagSpec, written: Value, read: Any) -> bool:
    if read is None:
        return False
    if tag.data_type is DataType.STRING:
        return str(written).rstrip("\x00 ") == str(read).rstrip("\x00 ")
    if tag.gain != 1.0 or tag.offset != 0.0:
        # Scaled: the raw value was rounded (integers) or narrowed (float32) on the way.
        step = abs(tag.gain) / 2 if tag.data_type in INTEGER_TYPES else 0.0
        return math.isclose(float(written), float(read), rel_tol=1e-6, abs_tol=step + 1e-9)
    return values_match(tag.data_type, written, read)
