"""Pairs measured in one run: the MES pipeline and a raw library client on the same server."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

from asyncua import Client, Server, ua
from pymodbus.client import AsyncModbusTcpClient
from sqlalchemy.orm import Session, sessionmaker

from equipment_adapters import create_adapter
from equipment_adapters.tags import DataType, DeviceSpec, OpcUaAddress, Protocol, TagSpec
from mes.edge.results import block_tags
from mes.edge.status_store import record_status

NS = "urn:technopolis-mes:bench"
STORE_EVERY_S = 0.1  # status telemetry: ten writes a second per machine is plenty for any screen
STATUS_TAGS = ("state", "unit_mode", "good_count", "bad_count", "alarm_code")


async def modbus_pair(spec: DeviceSpec, equipment_id: int, factory: sessionmaker[Session], seconds: float,
                      slices: int = 24) -> tuple[float, float, int]:
    """(raw polls/s, pipeline polls/s, database writes) on the same server, alternating short slices.

    Raw: a bare pymodbus client reading the status (HR 0-7) and result (HR 10-29) blocks. Pipeline:
    the adapter reading and decoding the same tags, a writer thread storing the latest values.
    Alternating slices keep a machine whose load changes from favouring either side.
    """
    host, port = spec.endpoint.split(":")
    client = AsyncModbusTcpClient(host, port=int(port))
    await client.connect()
    adapter = create_adapter(spec, supervise=False)
    await adapter.connect()
    store = _CoalescingStore(factory, equipment_id)
    names = [*STATUS_TAGS, *block_tags(spec)]
    raw = pipeline = 0
    try:
        for _ in range(slices):
            raw += await _polls(seconds / slices / 2, lambda: _raw_poll(client))
            pipeline += await _polls(seconds / slices / 2, lambda: _pipeline_poll(adapter, names, store))
    finally:
        store.close()
        client.close()
        await adapter.close()
    half = seconds / 2
    return raw / half, pipeline / half, store.stored


async def _polls(seconds: float, poll) -> int:  # type: ignore[no-untyped-def]
    count, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        await poll()
        count += 1
    return count


async def _raw_poll(client: AsyncModbusTcpClient) -> None:
    await client.read_holding_registers(0, count=8, device_id=1)
    await client.read_holding_registers(10, count=20, device_id=1)


async def _pipeline_poll(adapter, names: list[str], store: _CoalescingStore) -> None:  # type: ignore[no-untyped-def]
    values = await adapter.read(names)
    store.offer({name: v.value for name, v in values.items() if v.is_good})


class _CoalescingStore:
    """A writer thread storing the newest values, at most every STORE_EVERY_S: never a backlog."""

    def __init__(self, factory: sessionmaker[Session], equipment_id: int) -> None:
        self.factory, self.equipment_id = factory, equipment_id
        self.latest: dict[str, object] = {}
        self.stored = 0
        self._wake, self._done = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-writer")
        self._thread.start()

    def offer(self, values: dict[str, object]) -> None:
        self.latest.update(values)
        self._wake.set()

    def close(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.is_set():
            if self._wake.wait(0.05):
                self._wake.clear()
                record_status(self.factory, self.equipment_id, connected=True, values=dict(self.latest))
                self.stored += 1
                self._done.wait(STORE_EVERY_S)


@contextlib.asynccontextmanager
async def changing_opcua_server(port: int, variables: int, every_s: float):  # type: ignore[no-untyped-def]
    """An OPC UA server whose `variables` doubles all change every `every_s` seconds."""
    server = Server()
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/bench")
    idx = await server.register_namespace(NS)
    folder = await server.nodes.objects.add_object(idx, "Bench")
    nodes = [await folder.add_variable(ua.NodeId(f"V{i}", idx), f"V{i}", 0.0) for i in range(variables)]
    async with server:
        task = asyncio.create_task(_change(server, nodes, every_s))
        try:
            yield [f"V{i}" for i in range(variables)]
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _change(server: Server, nodes: list, every_s: float) -> None:  # type: ignore[type-arg]
    value = 0.0
    while True:
        value += 1.0
        for node in nodes:
            await server.write_attribute_value(node.nodeid, ua.DataValue(ua.Variant(value, ua.VariantType.Double)))
        await asyncio.sleep(every_s)


async def opcua_pair(endpoint: str, names: list[str], interval_ms: int, seconds: float) -> tuple[float, float]:
    """(raw, adapter) notifications/s: a bare asyncua subscription and the adapter's, subscribed at once."""
    raw, ours = [0], [0]

    class Handler:
        def datachange_notification(self, node, val, data) -> None:  # type: ignore[no-untyped-def]
            raw[0] += 1

    tags = tuple(TagSpec(name, DataType.FLOAT64, opcua=OpcUaAddress(NS, f"s={name}")) for name in names)
    adapter = create_adapter(DeviceSpec("BENCH-UA", Protocol.OPC_UA, endpoint, tags), supervise=False)
    async with Client(endpoint) as client:
        idx = await client.get_namespace_index(NS)
        subscription = await client.create_subscription(interval_ms, Handler())
        await subscription.subscribe_data_change([client.get_node(ua.NodeId(n, idx)) for n in names],
                                                 sampling_interval=interval_ms)
        await adapter.connect()
        try:
            await adapter.subscribe(names, lambda value: ours.__setitem__(0, ours[0] + 1), interval_ms / 1000)
            await asyncio.sleep(1.0)  # the initial values and the first publishes pass
            start_raw, start_ours = raw[0], ours[0]
            await asyncio.sleep(seconds)
        finally:
            await adapter.close()
    return (raw[0] - start_raw) / seconds, (ours[0] - start_ours) / seconds
