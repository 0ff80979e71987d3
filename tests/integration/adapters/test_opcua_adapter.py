"""OpcUaAdapter against a real asyncua server (one per module: init takes about a second)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from asyncua import ua

from equipment_adapters.base import Quality, TagValue
from equipment_adapters.errors import BadStatus, TagConfigError, WriteVerifyError
from equipment_adapters.opcua import OpcUaAdapter
from equipment_adapters.tags import DataType, DeviceSpec, OpcUaAddress, Protocol, TagSpec
from tests.integration.adapters.conftest import FAST_BACKOFF, NAMESPACE, free_port, start_opcua_server

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _tag(name: str, data_type: DataType, identifier: str | None = None, **extra: object) -> TagSpec:
    return TagSpec(name, data_type, opcua=OpcUaAddress(NAMESPACE, f"s={identifier or name}"), writable=True,
                   **extra)


TAGS = (
    _tag("Bool", DataType.BOOL),
    _tag("Int16", DataType.INT16),
    _tag("UInt16", DataType.UINT16),
    _tag("Int32", DataType.INT32),
    _tag("UInt32", DataType.UINT32),
    _tag("Float", DataType.FLOAT32),
    _tag("Double", DataType.FLOAT64),
    _tag("String", DataType.STRING),
    _tag("Sensor", DataType.FLOAT64),
    _tag("Counter", DataType.FLOAT64, deadband=0.5, sampling_interval_ms=10),
    _tag("Scaled", DataType.INT32, "Int32", gain=0.5),
    _tag("Missing", DataType.INT16, "NoSuchNode"),
    _tag("Clamped", DataType.INT16),
)
VALUES = {"Bool": True, "Int16": -300, "UInt16": 65535, "Int32": -70000, "UInt32": 2**32 - 1,
          "Float": 0.1, "Double": 3.141592653589793, "String": "Lot A1B2"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def opcua_server():
    port = free_port()
    server, nodes = await start_opcua_server(port)
    yield server, nodes, f"opc.tcp://127.0.0.1:{port}/adapters"
    await server.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def adapter(opcua_server):
    _, _, endpoint = opcua_server
    opcua = OpcUaAdapter(DeviceSpec("EST01", Protocol.OPC_UA, endpoint, TAGS, timeout_s=2.0),
                         backoff=FAST_BACKOFF)
    await opcua.connect()
    yield opcua
    await opcua.close()


async def test_every_data_type_round_trips_with_its_variant_type(adapter):
    for name, value in VALUES.items():
        written = await adapter.write(name, value)
        assert written.is_good
    values = await adapter.read(list(VALUES))
    for name, value in VALUES.items():
        assert values[name].quality is Quality.GOOD
        expected = pytest.approx(value, rel=1e-6) if isinstance(value, float) else value
        assert values[name].value == expected, name


async def test_a_read_carries_the_source_timestamp_and_status(adapter, opcua_server):
    server, nodes, _ = opcua_server
    stamped = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    await server.write_attribute_value(
        nodes["Double"], ua.DataValue(ua.Variant(1.25, ua.VariantType.Double), SourceTimestamp=stamped)
    )
    value = (await adapter.read(["Double"]))["Double"]
    assert value.status_code == 0 and value.source_timestamp == stamped


async def test_a_bad_status_value_is_bad_quality_never_good(adapter, opcua_server):
    server, nodes, _ = opcua_server
    bad = ua.DataValue(ua.Variant(7.0, ua.VariantType.Double),
                       StatusCode=ua.StatusCode(ua.StatusCodes.BadSensorFailure))
    await server.write_attribute_value(nodes["Sensor"], bad)
    try:
        value = (await adapter.read(["Sensor"]))["Sensor"]
    finally:
        await server.write_attribute_value(nodes["Sensor"], ua.DataValue(ua.Variant(0.0, ua.VariantType.Double)))
    assert value.quality is Quality.BAD and not value.is_good
    assert value.status_code == ua.StatusCodes.BadSensorFailure and value.value is None


async def test_an_uncertain_status_is_uncertain_quality(adapter, opcua_server):
    server, nodes, _ = opcua_server
    uncertain = ua.DataValue(ua.Variant(1.0, ua.VariantType.Double),
                             StatusCode=ua.StatusCode(ua.StatusCodes.UncertainLastUsableValue))
    await server.write_attribute_value(nodes["Sensor"], uncertain)
    try:
        value = (await adapter.read(["Sensor"]))["Sensor"]
    finally:
        await server.write_attribute_value(nodes["Sensor"], ua.DataValue(ua.Variant(0.0, ua.VariantType.Double)))
    assert value.quality is Quality.UNCERTAIN and not value.is_good


async def test_an_unknown_node_reads_as_bad_with_its_status(adapter):
    value = (await adapter.read(["Missing"]))["Missing"]
    assert value.quality is Quality.BAD and value.status_code == ua.StatusCodes.BadNodeIdUnknown


async def test_writing_an_unknown_node_is_a_typed_bad_status(adapter):
    with pytest.raises(BadStatus) as caught:
        await adapter.write("Missing", 1)
    assert caught.value.device == "EST01" and "NoSuchNode" in caught.value.address


async def test_scaling_applies_on_read_and_write(adapter):
    await adapter.write("Scaled", 21.0)  # raw 42
    assert (await adapter.read(["Int32"]))["Int32"].value == 42


async def test_a_value_outside_the_type_is_refused_before_sending(adapter):
    with pytest.raises(TagConfigError):
        await adapter.write("UInt16", -1)


async def test_a_read_back_that_differs_raises_write_verify_error(adapter):
    with pytest.raises(WriteVerifyError) as caught:
        await adapter.write("Clamped", 500)  # the server stores at most 100
    assert "500" in caught.value.message and "100" in caught.value.message
    assert caught.value.device == "EST01" and "Clamped" in caught.value.address


async def test_a_subscription_delivers_changes_beyond_the_deadband(adapter, opcua_server):
    server, nodes, _ = opcua_server
    seen: list[TagValue] = []
    await adapter.subscribe(["Counter"], seen.append, interval_s=0.02)
    await asyncio.sleep(0.2)
    for value in (0.2, 1.0, 1.3, 2.0):  # 0.2 and 1.3 are within 0.5 of the last report
        await server.write_attribute_value(nodes["Counter"], ua.DataValue(ua.Variant(value, ua.VariantType.Double)))
        await asyncio.sleep(0.15)
    assert [v.value for v in seen] == [0.0, 1.0, 2.0]
    assert all(v.quality is Quality.GOOD for v in seen)


async def test_a_method_call_returns_its_output(adapter):
    add = OpcUaAddress(NAMESPACE, "s=Add")
    result = await adapter.call_method(
        f"nsu={NAMESPACE};s=Machine", add, ua.Variant(2, ua.VariantType.Int32), ua.Variant(3, ua.VariantType.Int32)
    )
    assert result == 5


async def test_namespace_index_is_resolved_from_the_uri(adapter):
    assert adapter._namespaces[NAMESPACE] == 3  # padding namespace took 2: nothing hard-coded
