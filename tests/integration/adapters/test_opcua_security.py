"""OpcUaAdapter over Basic256Sha256 SignAndEncrypt with a user, and its failures."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

import pytest
import pytest_asyncio
from asyncua import Server, ua
from asyncua.crypto.permission_rules import User, UserRole
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from equipment_adapters.errors import AccessDenied, DeviceUnavailable
from equipment_adapters.opcua import OpcUaAdapter
from equipment_adapters.tags import DataType, DeviceSpec, OpcUaAddress, OpcUaSecurity, Protocol, TagSpec
from tests.integration.adapters.conftest import NAMESPACE, free_port

pytestmark = pytest.mark.asyncio(loop_scope="module")
TAG = TagSpec("temperature", DataType.FLOAT64, opcua=OpcUaAddress(NAMESPACE, "s=Temperature"))


def make_certificate(folder: Path, name: str, uri: str, usage: x509.ObjectIdentifier) -> tuple[str, str]:
    """A self-signed OPC UA application certificate and its key, as PEM files."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(uri),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=True,
                                     data_encipherment=True, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=False)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}_cert.pem", folder / f"{name}_key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


class OneUser:
    """Accepts operator/s3cret only."""

    def get_user(self, iserver, username=None, password=None, certificate=None):
        return User(role=UserRole.User) if (username, password) == ("operator", "s3cret") else None


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def secure_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    server_cert, server_key = make_certificate(folder, "server", "urn:test:server", ExtendedKeyUsageOID.SERVER_AUTH)
    client_files = make_certificate(folder, "client", "urn:test:edge", ExtendedKeyUsageOID.CLIENT_AUTH)
    port = free_port()
    server = Server(user_manager=OneUser())
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/secure")
    server.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
    server.set_identity_tokens([ua.UserNameIdentityToken])
    await server.load_certificate(server_cert)
    await server.load_private_key(server_key)
    index = await server.register_namespace(NAMESPACE)
    await server.nodes.objects.add_variable(ua.NodeId("Temperature", index), "Temperature",
                                            ua.Variant(36.6, ua.VariantType.Double))
    await server.start()
    yield server, f"opc.tcp://127.0.0.1:{port}/secure", client_files, server_cert
    await server.stop()


def _device(endpoint: str, client_files: tuple[str, str], server_cert: str | None, password: str) -> DeviceSpec:
    certificate, key = client_files
    security = OpcUaSecurity("Basic256Sha256", "SignAndEncrypt", certificate, key, server_cert,
                             username="operator", password=password)
    return DeviceSpec("FT01", Protocol.OPC_UA, endpoint, (TAG,), timeout_s=2.0, security=security)


async def test_sign_and_encrypt_with_username_and_password_reads_values(secure_server):
    _, endpoint, client_files, server_cert = secure_server
    adapter = OpcUaAdapter(_device(endpoint, client_files, server_cert, "s3cret"))
    await adapter.connect()
    try:
        value = (await adapter.read(["temperature"]))["temperature"]
    finally:
        await adapter.close()
    assert value.is_good and value.value == pytest.approx(36.6)


async def test_the_server_certificate_can_be_taken_from_its_endpoints(secure_server):
    _, endpoint, client_files, _ = secure_server
    adapter = OpcUaAdapter(_device(endpoint, client_files, None, "s3cret"))
    await adapter.connect()
    await adapter.close()
    assert adapter.health.consecutive_failures == 0 and adapter.health.last_good_at is not None


async def test_a_wrong_password_is_refused_with_access_denied(secure_server):
    _, endpoint, client_files, server_cert = secure_server
    adapter = OpcUaAdapter(_device(endpoint, client_files, server_cert, "guess"), supervise=False)
    with pytest.raises(AccessDenied) as caught:
        await adapter.connect()
    await adapter.close()
    assert caught.value.device == "FT01" and "BadUserAccessDenied" in caught.value.message
    assert adapter.health.consecutive_failures == 1 and not adapter.health.connected


async def test_a_stopped_server_is_unavailable_and_the_adapter_reconnects_when_it_returns(secure_server):
    server, endpoint, client_files, server_cert = secure_server
    adapter = OpcUaAdapter(_device(endpoint, client_files, server_cert, "s3cret"))
    await adapter.connect()
    try:
        await server.stop()
        await asyncio.sleep(0.1)
        with pytest.raises(DeviceUnavailable):
            await adapter.read(["temperature"])
        assert not adapter.health.connected and adapter.health.consecutive_failures >= 1
        await server.start()
        back = time.monotonic()
        while not adapter.health.connected:
            assert time.monotonic() - back < 2.0, "not reconnected within 2 s"
            await asyncio.sleep(0.02)
        assert (await adapter.read(["temperature"]))["temperature"].is_good
    finally:
        await adapter.close()
