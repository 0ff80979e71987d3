"""The OPC UA simulator as the MES meets it: a raw asyncua client on a real server."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio
from asyncua import Client, ua
from asyncua.crypto import cert_gen
from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from equipment_adapters.simulators.packml import State
from equipment_adapters.simulators.runner import build_simulator
from equipment_adapters.tags import OpcUaSecurity
from tests.integration.simulators.conftest import demo_device, wait_for

STATION, PACKML = "urn:technopolis-mes:station", "urn:technopolis-mes:packml"
# One loop and one server for the module: asyncua's server takes about a second to initialise.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module", autouse=True)
async def loop_executor():
    """Start the loop's default executor thread (asyncua resolves addresses in it) before any leak check."""
    await asyncio.get_running_loop().run_in_executor(None, lambda: None)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def hipot():
    device, block = demo_device("EST01-HIPOT")
    simulator = build_simulator(device, {**block, "tick_s": 0.05}, first_sequence=500)
    await simulator.start()
    client = Client(device.endpoint, timeout=2)
    await client.connect()
    yield simulator, client
    await client.disconnect()
    await simulator.stop()


def node(client: Client, ns: int, identifier: str):
    return client.get_node(f"ns={ns};{identifier}")


async def test_the_tag_map_is_served_with_its_types_and_the_result_handshake_runs(hipot):
    _, client = hipot
    st, pk = await client.get_namespace_index(STATION), await client.get_namespace_index(PACKML)
    ready, seq = node(client, st, "s=Result.Ready"), node(client, st, "s=Result.Sequence")
    await wait_for(lambda: _value_is(ready, 1))
    assert await node(client, pk, "s=Status.StateCurrent").read_value() == State.EXECUTE
    assert await node(client, pk, "s=Status.StateCurrent").read_data_type_as_variant_type() == ua.VariantType.UInt16
    first = await seq.read_value()
    assert first == 501
    assert await node(client, st, "s=Result.Serial").read_value() == "EST01-000001"
    pe = await node(client, st, "s=Result.PeResistance").read_value()
    assert isinstance(pe, float) and 0 <= pe <= 0.1
    await node(client, st, "s=Result.Ack").write_value(ua.Variant(first, ua.VariantType.UInt32))
    await wait_for(lambda: _value_is(ready, 0))
    await wait_for(lambda: _value_is(ready, 1))
    assert await seq.read_value() == first + 1


async def test_parameters_are_writable_and_plc_owned_values_are_not(hipot):
    simulator, client = hipot
    st, pk = await client.get_namespace_index(STATION), await client.get_namespace_index(PACKML)
    await node(client, st, "s=Parameter.HipotVoltage").write_value(ua.Variant(1.8, ua.VariantType.Double))
    await wait_for(lambda: simulator.machine.params["hipot_voltage"] == 1.8)
    with pytest.raises(ua.UaStatusCodeError):
        await node(client, pk, "s=Admin.ProdProcessedCount").write_value(ua.Variant(0, ua.VariantType.UInt32))


async def test_bad_status_and_dropped_connections_are_seen_by_the_client(hipot):
    simulator, client = hipot
    pk = await client.get_namespace_index(PACKML)
    state = node(client, pk, "s=Status.StateCurrent")
    simulator.inject("bad_status", 0.3)
    await asyncio.sleep(0.1)
    with pytest.raises(ua.uaerrors.BadDeviceFailure):
        await state.read_value()
    await asyncio.sleep(0.3)
    assert await state.read_value() in (State.EXECUTE, State.STARTING)
    simulator.inject("drop", 0.5)
    await wait_for(lambda: not simulator.serving)
    with pytest.raises((ConnectionError, ua.UaError, asyncio.TimeoutError)):
        await state.read_value()
    await wait_for(lambda: simulator.serving)
    await client.disconnect()  # the session died with the connection: log on again, as the MES does
    await client.connect()
    pk = await client.get_namespace_index(PACKML)
    assert await node(client, pk, "s=Status.StateCurrent").read_value() == State.EXECUTE


async def test_a_secured_simulator_takes_only_signed_encrypted_sessions_with_the_right_password(tmp_path):
    security = OpcUaSecurity(policy="Basic256Sha256", mode="SignAndEncrypt", username="mes", password="s3cret")
    device, block = demo_device("FT01-ATE", security=security)
    simulator = build_simulator(device, block, first_sequence=0)
    await simulator.start()
    cert, key = _client_certificate(tmp_path)
    try:
        plain = Client(device.endpoint, timeout=2)
        plain.set_user("mes")
        plain.set_password("s3cret")
        with pytest.raises(ua.UaError):
            await plain.connect()
        for password, works in (("wrong", False), ("s3cret", True)):
            client = Client(device.endpoint, timeout=2)
            client.application_uri = "urn:technopolis-mes:test-client"
            client.set_user("mes")
            client.set_password(password)
            await client.set_security(SecurityPolicyBasic256Sha256, str(cert), str(key),
                                      mode=ua.MessageSecurityMode.SignAndEncrypt)
            if not works:
                with pytest.raises(ua.UaError):
                    await client.connect()
                continue
            await client.connect()
            try:
                pk = await client.get_namespace_index(PACKML)
                assert await node(client, pk, "s=Status.UnitModeCurrent").read_value() == 1
            finally:
                await client.disconnect()
    finally:
        await simulator.stop()


def _client_certificate(folder):
    key = cert_gen.generate_private_key()
    cert = cert_gen.generate_self_signed_app_certificate(
        key, "test client", {}, [x509.UniformResourceIdentifier("urn:technopolis-mes:test-client")],
        [ExtendedKeyUsageOID.CLIENT_AUTH])
    cert_path, key_path = folder / "client.der", folder / "client.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    key_path.write_bytes(cert_gen.dump_private_key_as_pem(key))
    return cert_path, key_path


async def _value_is(variable, expected) -> bool:
    return await variable.read_value() == expected
