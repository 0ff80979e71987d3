"""Modbus TCP adapter on pymodbus 3.16 (the only module outside the simulators that imports pymodbus)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException

from equipment_adapters import codecs
from equipment_adapters.base import DataChangeCallback, Quality, TagValue
from equipment_adapters.errors import (
    DeviceTimeout,
    DeviceUnavailable,
    EquipmentError,
    ModbusExceptionResponse,
    TagConfigError,
    WriteVerifyError,
)
from equipment_adapters.modbus_plan import ReadRequest, plan_reads
from equipment_adapters.supervised import SupervisedAdapter, deliver
from equipment_adapters.supervisor import Backoff
from equipment_adapters.tags import DataType, DeviceSpec, ModbusAddress, ModbusTable, TagSpec

# OPC UA status codes reused on Modbus values so consumers read one vocabulary.
PLAN_CACHE_SIZE = 64  # distinct tag lists a device is read with; far more than an edge uses
BAD_NO_COMMUNICATION = 0x80310000
BAD_DEVICE_FAILURE = 0x808B0000

_READ_METHOD = {
    ModbusTable.COIL: "read_coils",
    ModbusTable.DISCRETE_INPUT: "read_discrete_inputs",
    ModbusTable.HOLDING_REGISTER: "read_holding_registers",
    ModbusTable.INPUT_REGISTER: "read_input_registers",
}


def parse_endpoint(endpoint: str) -> tuple[str, int]:
    """Split "host:port" (port defaults to 502)."""
    host, _, port = endpoint.rpartition(":")
    return (host, int(port)) if host else (endpoint, 502)


class ModbusTcpAdapter(SupervisedAdapter):
    """A Modbus TCP device: coalesced reads, verified writes, change-only polling."""

    protocol = "modbus"

    def __init__(self, device: DeviceSpec, *, backoff: Backoff | None = None, supervise: bool = True) -> None:
        super().__init__(device, backoff=backoff, supervise=supervise)
        if device.word_order not in codecs.WORD_ORDERS:
            raise TagConfigError(device.name, "word_order", f"must be big or little, not {device.word_order}")
        self.host, self.port = parse_endpoint(device.endpoint)
        self._client: AsyncModbusTcpClient | None = None
        self._pollers: list[asyncio.Task[None]] = []
        self._plans: dict[tuple[str, ...], _CompiledRead] = {}

    async def read(self, names: Sequence[str]) -> dict[str, TagValue]:
        """Read the named tags in as few requests as the 125-register / 2000-bit limits allow."""
        compiled = self._compiled(names)
        async with self._lock:
            responses = [await self._execute_step(step) for step in compiled.steps]
        now = datetime.now(UTC)
        values: dict[str, TagValue] = {}
        for step, items in zip(compiled.steps, responses, strict=True):
            for name, at, decode, engineering in step.fields:
                raw = decode(items, at)
                value = raw if engineering is None else engineering(raw)
                values[name] = TagValue(name, value, Quality.GOOD, None, now)
        return values if compiled.in_order else {name: values[name] for name in compiled.names}

    async def write(self, name: str, value: float | int | bool | str) -> TagValue:
        """Write one holding register tag or coil (FC6/FC16/FC5), read it back and compare."""
        tag = self._writable_tag(name)
        address = _address(tag)
        if address.table not in (ModbusTable.HOLDING_REGISTER, ModbusTable.COIL):
            raise TagConfigError(self.device.name, self._where(tag), f"{address.table} cannot be written")
        raw = tag.to_raw(value)
        async with self._lock:
            await self._write_raw(tag, raw)
            read_back = await self._read_one_raw(tag)
        if not codecs.values_match(tag.data_type, raw, read_back):
            message = f"wrote {raw!r}, read back {read_back!r}"
            raise WriteVerifyError(self.device.name, self._where(tag), message)
        return TagValue(tag.name, tag.to_engineering(read_back), Quality.GOOD, None, datetime.now(UTC))

    async def write_many(self, values: Sequence[tuple[str, float | int | bool | str]]) -> dict[str, TagValue]:
        """Contiguous holding registers in one FC16 request and one read-back; otherwise one tag after another.

        One request is applied by the PLC as a whole, so the tag that validates the others (written
        last when they go one by one) is never seen without them.
        """
        tags = [self._writable_tag(name) for name, _value in values]
        start = _contiguous_holding_registers(tags)
        if start is None or len({self._unit(tag) for tag in tags}) != 1:
            return await super().write_many(values)
        raws = [tag.to_raw(value) for tag, (_name, value) in zip(tags, values, strict=True)]
        registers = [word for tag, raw in zip(tags, raws, strict=True) for word in self._encoded(tag, raw)]
        where = f"{','.join(t.name for t in tags)} {ModbusTable.HOLDING_REGISTER}@{start} unit {self._unit(tags[0])}"
        async with self._lock:
            await self._call(where, "write_registers", start, registers, device_id=self._unit(tags[0]))
            read_back = await self._read_raw_many(tuple(tag.name for tag in tags))
        now = datetime.now(UTC)
        for tag, raw in zip(tags, raws, strict=True):
            if not codecs.values_match(tag.data_type, raw, read_back[tag.name]):
                message = f"wrote {raw!r}, read back {read_back[tag.name]!r}"
                raise WriteVerifyError(self.device.name, self._where(tag), message)
        return {tag.name: TagValue(tag.name, tag.to_engineering(read_back[tag.name]), Quality.GOOD, None, now)
                for tag in tags}

    def _encoded(self, tag: TagSpec, raw: codecs.Value) -> list[int]:
        try:
            return codecs.encode_registers(tag, raw, self.device.word_order)
        except ValueError as exc:
            raise TagConfigError(self.device.name, self._where(tag), str(exc)) from None

    async def _read_raw_many(self, names: tuple[str, ...]) -> dict[str, codecs.Value]:
        """Raw (unscaled) values of tags, for a read-back (caller holds the lock)."""
        values: dict[str, codecs.Value] = {}
        for step in self._compiled(names).steps:
            items = await self._execute_step(step)
            values.update((name, decode(items, at)) for name, at, decode, _engineering in step.fields)
        return values

    async def subscribe(
        self, names: Sequence[str], callback: DataChangeCallback, interval_s: float
    ) -> None:
        """Poll the tags every interval_s and call back only for values (or qualities) that changed."""
        self._tags(names)  # unknown names fail now, not inside the task
        task = asyncio.create_task(self._poll(list(names), callback, interval_s), name="modbus-poll")
        self._pollers.append(task)

    # -- link ---------------------------------------------------------------------------------

    async def _open_link(self) -> None:
        client = AsyncModbusTcpClient(
            self.host,
            port=self.port,
            name=self.device.name,
            timeout=self.device.timeout_s,
            retries=0,  # one try per request: the supervisor, not the library, decides on retries
            reconnect_delay=0,  # pymodbus' own reconnect off: ours has jitter, health and logging
        )
        try:
            connected = await client.connect()
        except (OSError, ModbusException) as exc:
            connected, reason = False, str(exc)
        else:
            reason = "connection refused or timed out"
        if not connected:
            client.close()
            raise DeviceUnavailable(self.device.name, self.device.endpoint, reason)
        self._client = client

    async def _close_link(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def _stop_subscriptions(self) -> None:
        pollers, self._pollers = self._pollers, []
        for task in pollers:
            task.cancel()
        await asyncio.gather(*pollers, return_exceptions=True)

    # -- requests -----------------------------------------------------------------------------

    def _compiled(self, names: Sequence[str]) -> _CompiledRead:
        """The read plan of a tag list with its decoders, made once: a poll loop asks for the same tags."""
        key = names if type(names) is tuple else tuple(names)
        compiled = self._plans.get(key)
        if compiled is None:
            compiled = self._compile(list(dict.fromkeys(key)))
            if len(self._plans) >= PLAN_CACHE_SIZE:
                self._plans.clear()
            self._plans[key] = compiled
        return compiled

    def _compile(self, names: list[str]) -> _CompiledRead:
        tags = self._tags(names)
        try:
            plan = plan_reads(tags, self.device.unit_id, self.device.max_read_gap)
            steps = tuple(self._step(request) for request in plan)
        except ValueError as exc:
            raise TagConfigError(self.device.name, ",".join(names), str(exc)) from None
        planned = tuple(name for step in steps for name, *_ in step.fields)
        return _CompiledRead(steps, tuple(names), planned == tuple(names))

    def _step(self, request: ReadRequest) -> _Step:
        fields = tuple(
            (tag.name, request.slice_for(tag).start, codecs.register_decoder(tag, self.device.word_order),
             None if tag.gain == 1.0 and tag.offset == 0.0 else tag.to_engineering)
            for tag in request.tags
        )
        where = f"{request.table}@{request.address}+{request.count} unit {request.unit_id}"
        return _Step(request, _READ_METHOD[request.table], where, fields)

    async def _read_one_raw(self, tag: TagSpec) -> codecs.Value:
        """The raw (unscaled) value of one tag, for the read-back of a write (caller holds the lock)."""
        [step] = self._compiled((tag.name,)).steps
        _name, at, decode, _engineering = step.fields[0]
        return decode(await self._execute_step(step), at)

    async def _execute_step(self, step: _Step) -> list[Any]:
        request = step.request
        response = await self._call(step.where, step.method, request.address, count=request.count,
                                    device_id=request.unit_id)
        # Bit reads come back padded to whole bytes: the decoders index only what was asked for.
        return response.bits if codecs.is_bit_table(request.table) else response.registers

    async def _execute_read(self, request: ReadRequest) -> list[Any]:
        where = f"{request.table}@{request.address}+{request.count} unit {request.unit_id}"
        method = _READ_METHOD[request.table]
        response = await self._call(
            where, method, request.address, count=request.count, device_id=request.unit_id
        )
        # Bit reads come back padded to whole bytes: keep only what was asked for.
        items = response.bits if codecs.is_bit_table(request.table) else response.registers
        return list(items[: request.count])

    async def _write_raw(self, tag: TagSpec, raw: codecs.Value) -> None:
        address = _address(tag)
        unit = self._unit(tag)
        where = self._where(tag)
        if address.table is ModbusTable.COIL:
            await self._call(where, "write_coil", address.address, bool(raw), device_id=unit)
            return
        registers = await self._registers_to_write(tag, raw)
        if len(registers) == 1:
            await self._call(where, "write_register", address.address, registers[0], device_id=unit)
        else:
            await self._call(where, "write_registers", address.address, registers, device_id=unit)

    async def _registers_to_write(self, tag: TagSpec, raw: codecs.Value) -> list[int]:
        if tag.data_type is not DataType.BIT:
            return self._encoded(tag, raw)
        # Read-modify-write under the adapter lock; the PLC must not change other bits meanwhile.
        current = await self._execute_read(ReadRequest(
            ModbusTable.HOLDING_REGISTER, self._unit(tag), _address(tag).address, 1, (tag,)
        ))
        try:
            return [codecs.with_bit(int(current[0]), _address(tag).bit or 0, bool(raw))]
        except ValueError as exc:
            raise TagConfigError(self.device.name, self._where(tag), str(exc)) from None

    async def _call(self, where: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """One request: library errors and exception replies become typed errors; health updated."""
        client = self._client
        if client is None or not client.connected:
            # Never let pymodbus reconnect inside a request: that is the supervisor's job.
            raise self._record_failure(DeviceUnavailable(self.device.name, where, "not connected"))
        try:
            response = await getattr(client, method)(*args, **kwargs)
        except ConnectionException as exc:
            raise self._record_failure(DeviceUnavailable(self.device.name, where, str(exc))) from exc
        except (ModbusIOException, TimeoutError) as exc:
            raise self._record_failure(DeviceTimeout(self.device.name, where, str(exc) or "timeout")) from exc
        except ModbusException as exc:
            raise self._record_failure(DeviceUnavailable(self.device.name, where, str(exc))) from exc
        if response.isError():
            code = getattr(response, "exception_code", 0)
            raise self._record_failure(ModbusExceptionResponse(self.device.name, where, code))
        self.tracker.succeeded()
        return response

    # -- polling ------------------------------------------------------------------------------

    async def _poll(self, names: list[str], callback: DataChangeCallback, interval_s: float) -> None:
        loop = asyncio.get_running_loop()
        last: dict[str, tuple[object, Quality]] = {}
        next_at = loop.time()
        # The flag as well as cancel(): pymodbus can swallow a cancellation that lands inside a request,
        # and close() must not then wait for ever on a poller that keeps going.
        while not self._closed:
            for value in (await self._poll_once(names)).values():
                key = (value.value, value.quality)
                if last.get(value.name) != key:
                    last[value.name] = key
                    await deliver(callback, value, self.log)
            next_at = max(next_at + interval_s, loop.time())  # after a stall, do not burst to catch up
            await asyncio.sleep(next_at - loop.time())

    async def _poll_once(self, names: list[str]) -> dict[str, TagValue]:
        try:
            return await self.read(names)
        except EquipmentError as exc:
            # Logged and counted by _call; subscribers see the values turn Bad once.
            status = BAD_DEVICE_FAILURE if isinstance(exc, ModbusExceptionResponse) else BAD_NO_COMMUNICATION
            now = datetime.now(UTC)
            return {name: TagValue(name, None, Quality.BAD, None, now, status) for name in names}

    # -- helpers ------------------------------------------------------------------------------

    def _tag(self, name: str) -> TagSpec:
        tag = super()._tag(name)
        if tag.modbus is None:
            raise TagConfigError(self.device.name, name, "tag has no Modbus address")
        return tag

    def _unit(self, tag: TagSpec) -> int:
        unit = _address(tag).unit_id
        return self.device.unit_id if unit is None else unit

    def _where(self, tag: TagSpec) -> str:
        address = _address(tag)
        return f"{tag.name} {address.table}@{address.address} unit {self._unit(tag)}"


def _contiguous_holding_registers(tags: list[TagSpec]) -> int | None:
    """The first address when the tags are whole holding registers back to back in this order, else None."""
    if len(tags) < 2:
        return None
    addresses = [tag.modbus for tag in tags]
    if any(a is None or a.table is not ModbusTable.HOLDING_REGISTER or tag.data_type is DataType.BIT
           for a, tag in zip(addresses, tags, strict=True)):
        return None
    start = next_address = addresses[0].address  # type: ignore[union-attr]
    for address, tag in zip(addresses, tags, strict=True):
        if address.address != next_address:  # type: ignore[union-attr]
            return None
        next_address += tag.register_count()
    return start if next_address - start <= 123 else None  # FC16 writes at most 123 registers


@dataclass(frozen=True, slots=True)
class _Step:
    """One planned request and, per tag it serves, (name, offset in the response, decoder, scaling)."""

    request: ReadRequest
    method: str
    where: str
    fields: tuple[tuple[str, int, codecs.Decoder, Callable[[codecs.Value], codecs.Value] | None], ...]


@dataclass(frozen=True, slots=True)
class _CompiledRead:
    """The steps of one tag list; `in_order` when they already yield the values in the asked order."""

    steps: tuple[_Step, ...]
    names: tuple[str, ...]
    in_order: bool


def _address(tag: TagSpec) -> ModbusAddress:
    assert tag.modbus is not None, "checked by ModbusTcpAdapter._tag"
    return tag.modbus
