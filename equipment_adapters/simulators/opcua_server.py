"""A simulated machine served over OPC UA (asyncua): one variable per tag, by namespace URI and identifier."""

from __future__ import annotations

import logging
import socket
from typing import Any

from asyncua import Server, ua
from asyncua.crypto import cert_gen, uacrypto
from asyncua.crypto.permission_rules import User, UserRole
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from equipment_adapters.simulators.faults import FaultKind
from equipment_adapters.simulators.station import FLAG_TAGS, SimulatorServer
from equipment_adapters.tags import DataType, TagSpec

log = logging.getLogger(__name__)
VARIANT = {
    DataType.BOOL: ua.VariantType.Boolean, DataType.BIT: ua.VariantType.Boolean,
    DataType.INT16: ua.VariantType.Int16, DataType.UINT16: ua.VariantType.UInt16,
    DataType.INT32: ua.VariantType.Int32, DataType.UINT32: ua.VariantType.UInt32,
    DataType.FLOAT32: ua.VariantType.Float, DataType.FLOAT64: ua.VariantType.Double,
    DataType.STRING: ua.VariantType.String,
}
BAD_STATUS = ua.StatusCodes.BadDeviceFailure


def typed(tag: TagSpec, value: Any) -> Any:
    """The Python value asyncua needs for the tag's VariantType (an int is no Double)."""
    raw = tag.to_raw(value)
    if tag.data_type in (DataType.FLOAT32, DataType.FLOAT64):
        return float(raw)
    if tag.data_type in (DataType.BOOL, DataType.BIT):
        return bool(raw)
    if tag.data_type is DataType.STRING:
        return str(raw)
    return int(raw)


class _OneUser:
    """Accepts exactly the configured username and password (anonymous is switched off)."""

    def __init__(self, username: str, password: str | None) -> None:
        self._username, self._password = username, password

    def get_user(self, iserver: Any, username: str | None = None, password: str | None = None,
                 certificate: Any = None) -> User | None:
        if username == self._username and password == self._password:
            return User(role=UserRole.User, name=username)
        return None


class OpcUaSimulator(SimulatorServer):
    """Serves the device's tags as variables; writable tags accept client writes."""

    protocol_faults = frozenset({FaultKind.BAD_STATUS})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tags = [tag for tag in self.device.tags if tag.opcua is not None]
        self._server: Server | None = None
        self._nodes: dict[str, ua.NodeId] = {}
        self._served: dict[str, Any] = {}
        self._bad = False

    async def _serve(self) -> None:
        if self._server is None:
            self._server = await self._build()
        await self._server.start()
        self._bad = False

    async def _unserve(self) -> None:
        if self._server is not None:
            await self._server.stop()  # closes the listener; the address space is kept for the restart
            # A restarted PLC remembers no session: asyncua keeps a client's session (its timeout
            # watchdog and its subscriptions' publish loops) after the transport is gone, waiting for
            # that client to come back to it. There is no public call for this; the registry is private.
            for session in list(self._server.iserver._external_sessions.values()):
                await session.close_session(delete_subs=True)

    async def stop(self) -> None:
        """Stop scanning and serving."""
        await super().stop()
        self._server = None

    async def _pull(self) -> None:
        assert self._server is not None
        if self._bad:
            return  # the served values are Bad placeholders, not client writes
        writes = {}
        for tag in self.tags:
            if tag.writable:
                value = self._server.read_attribute_value(self._nodes[tag.name]).Value.Value
                if value is not None and value != self._served.get(tag.name):
                    self._served[tag.name] = value
                    writes[tag.name] = tag.to_engineering(value)
        self._take_writes(writes)

    async def _push(self, full: bool) -> None:
        assert self._server is not None
        bad = self.faults.active(FaultKind.BAD_STATUS) is not None
        if bad:
            if not self._bad:
                await self._write_all_bad()
            return
        full = full or self._bad
        self._bad = False
        values = self.machine.values()
        ordered = [t for t in self.tags if t.name not in FLAG_TAGS] + [t for t in self.tags if t.name in FLAG_TAGS]
        for tag in ordered:
            if tag.name not in values:
                continue
            value = typed(tag, values[tag.name])
            if full or value != self._served.get(tag.name):
                self._served[tag.name] = value
                variant = ua.Variant(value, VARIANT[tag.data_type])
                await self._server.write_attribute_value(self._nodes[tag.name], ua.DataValue(variant))

    async def _write_all_bad(self) -> None:
        assert self._server is not None
        self._bad = True
        for tag in self.tags:
            await self._server.write_attribute_value(
                self._nodes[tag.name], ua.DataValue(StatusCode=ua.StatusCode(BAD_STATUS)))

    async def _build(self) -> Server:
        security = self.device.security
        server = Server(user_manager=_OneUser(security.username, security.password) if security.username
                        else None)
        await server.init()
        server.set_endpoint(self.device.endpoint)
        server.set_server_name(f"Technopolis simulator {self.code}")
        await self._secure(server)
        folder = await server.nodes.objects.add_folder(
            await server.register_namespace("urn:technopolis-mes:simulator"), self.code)
        for tag in self.tags:
            assert tag.opcua is not None
            ns = await server.register_namespace(tag.opcua.namespace_uri)
            node_id = ua.NodeId.from_string(f"ns={ns};{tag.opcua.identifier}")
            variant_type = VARIANT[tag.data_type]
            node = await folder.add_variable(node_id, f"{ns}:{tag.name}",
                                             ua.Variant(typed(tag, _zero(tag)), variant_type), variant_type)
            if tag.writable:
                await node.set_writable()
            self._nodes[tag.name] = node.nodeid
        return server

    async def _secure(self, server: Server) -> None:
        security = self.device.security
        if security.username:
            server.set_identity_tokens([ua.UserNameIdentityToken])
        if security.policy != "Basic256Sha256":
            server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
            return
        policies = [ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt]
        if security.mode == "Sign":
            policies.append(ua.SecurityPolicyType.Basic256Sha256_Sign)
        server.set_security_policy(policies)
        key = cert_gen.generate_private_key()
        # A fresh self-signed certificate per run: the simulator is a test device, not a trusted one.
        certificate = cert_gen.generate_self_signed_app_certificate(
            key, f"simulator {self.code}", {},
            [x509.UniformResourceIdentifier("urn:freeopcua:python:server"), x509.DNSName("localhost"),
             x509.DNSName(socket.gethostname())],
            [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])
        await server.load_certificate(uacrypto.der_from_x509(certificate), format="der")
        await server.load_private_key(cert_gen.dump_private_key_as_pem(key), format="pem")


def _zero(tag: TagSpec) -> Any:
    return "" if tag.data_type is DataType.STRING else 0
