"""OPC UA adapter on asyncua 2.1 (the only module outside the simulators that imports asyncua)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asyncua import Client, Node, ua
from asyncua.common.subscription import DataChangeNotif, Subscription
from asyncua.crypto import security_policies, uacrypto
from asyncua.ua.uaerrors import UaError, UaStatusCodeError
from cryptography import x509

from equipment_adapters.base import DataChangeCallback, Quality, TagValue
from equipment_adapters.codecs import values_match
from equipment_adapters.errors import (
    AccessDenied,
    BadStatus,
    DeviceTimeout,
    DeviceUnavailable,
    EquipmentError,
    TagConfigError,
    WriteVerifyError,
)
from equipment_adapters.opcua_values import (
    ACCESS_DENIED_NAMES,
    BAD_NO_COMMUNICATION,
    VARIANT_TYPE,
    as_utc,
    coerce_raw,
    quality_from_status,
)
from equipment_adapters.supervised import SupervisedAdapter, deliver
from equipment_adapters.supervisor import Backoff
from equipment_adapters.tags import DeviceSpec, OpcUaAddress, TagSpec


@dataclass(frozen=True, slots=True)
class _SubscriptionRequest:
    """What subscribe() was asked, kept to re-create the subscription after every reconnect."""

    names: tuple[str, ...]
    callback: DataChangeCallback
    interval_s: float


SESSION_TIMEOUT_MS = 600_000


class OpcUaAdapter(SupervisedAdapter):
    """An OPC UA server: batched reads with quality, typed verified writes, real subscriptions."""

    protocol = "opcua"

    def __init__(self, device: DeviceSpec, *, backoff: Backoff | None = None, supervise: bool = True) -> None:
        super().__init__(device, backoff=backoff, supervise=supervise)
        self._client: Client | None = None
        self._namespaces: dict[str, int] = {}
        self._requests: list[_SubscriptionRequest] = []
        self._subscriptions: list[Subscription] = []

    async def read(self, names: Sequence[str]) -> dict[str, TagValue]:
        """Read all named tags in one Read service call; quality follows each StatusCode."""
        tags = self._tags(dict.fromkeys(names))
        nodes = [self._node(tag) for tag in tags]
        where = ",".join(tag.name for tag in tags)
        async with self._lock:
            values = await self._request(where, self._connected_client(where).read_attributes(nodes))
        return {tag.name: self._tag_value(tag, dv) for tag, dv in zip(tags, values, strict=True)}

    async def write(self, name: str, value: float | int | bool | str) -> TagValue:
        """Write with the tag's VariantType, read back and compare (float32 at float32 precision)."""
        tag = self._writable_tag(name)
        variant = self._variant(tag, tag.to_raw(value))
        node = self._node(tag)
        where = self._where(tag)
        async with self._lock:
            await self._request(where, node.write_attribute(ua.AttributeIds.Value, ua.DataValue(variant)))
            (read_back,) = await self._request(where, self._connected_client(where).read_attributes([node]))
        status = read_back.StatusCode.value if read_back.StatusCode else 0
        actual = read_back.Value.Value if read_back.Value is not None else None
        if quality_from_status(status) is not Quality.GOOD or not values_match(
            tag.data_type, variant.Value, actual
        ):
            message = f"wrote {variant.Value!r}, read back {actual!r} (status {status:#010x})"
            raise WriteVerifyError(self.device.name, where, message)
        return self._tag_value(tag, read_back)

    async def subscribe(
        self, names: Sequence[str], callback: DataChangeCallback, interval_s: float
    ) -> None:
        """An OPC UA subscription publishing every interval_s; per-tag sampling, queue and deadband."""
        request = _SubscriptionRequest(tuple(names), callback, interval_s)
        for tag in self._tags(request.names):
            self._node_id(tag.opcua)  # fail now on a tag whose namespace the server lacks
        if self._client is not None:
            await self._create_subscription(self._client, request, self._request)
        self._requests.append(request)

    async def call_method(self, object_id: str | OpcUaAddress, method_id: str | OpcUaAddress, *args: Any) -> Any:
        """Call a method (ids as OpcUaAddress or "nsu=<uri>;s=…"); pass ua-typed args as Variants."""
        where = f"{method_id}"
        try:
            object_address, method_address = _address(object_id), _address(method_id)
        except ValueError as exc:
            raise TagConfigError(self.device.name, where, str(exc)) from None
        parent = self._connected_client(where).get_node(self._node_id(object_address))
        method = self._node_id(method_address)
        async with self._lock:
            return await self._request(where, parent.call_method(method, *args))

    # -- link ---------------------------------------------------------------------------------

    async def _open_link(self) -> None:
        client = Client(self.device.endpoint, timeout=self.device.timeout_s)
        # Ask for what common servers grant (10 min) rather than asyncua's hour, which every
        # server revises down with a warning on each connect; the supervisor renews on loss anyway.
        client.session_timeout = SESSION_TIMEOUT_MS
        try:
            await self._apply_security(client)
            # Our supervisor reconnects (backoff, health, logging): the library's stays off.
            await client.connect(auto_reconnect=False)
        except EquipmentError:
            raise
        except Exception as exc:
            raise _connect_error(self.device, exc) from exc
        client.connection_lost_callback = self._on_connection_lost
        self._client = client
        try:
            # Indexes may change when the server restarts: resolve by URI after every connect.
            self._namespaces = await self._resolve_namespaces(client)
            for request in self._requests:
                await self._create_subscription(client, request, self._typed)
        except Exception:
            await self._close_link()
            raise

    async def _close_link(self) -> None:
        client, self._client = self._client, None
        self._subscriptions = []  # they die with the session
        if client is None:
            return
        client.connection_lost_callback = None
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.disconnect(), timeout=self.device.timeout_s)

    async def _stop_subscriptions(self) -> None:
        self._requests = []
        subscriptions, self._subscriptions = self._subscriptions, []
        for subscription in subscriptions:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(subscription.delete(), timeout=self.device.timeout_s)

    async def _on_connection_lost(self, exc: Exception) -> None:
        self._record_failure(DeviceUnavailable(self.device.name, self.device.endpoint, f"connection lost: {exc}"))
        now = datetime.now(UTC)
        for request in self._requests:
            for name in request.names:
                bad = TagValue(name, None, Quality.BAD, None, now, BAD_NO_COMMUNICATION)
                await deliver(request.callback, bad, self.log)

    async def _apply_security(self, client: Client) -> None:
        security = self.device.security
        if security.username:
            client.set_user(security.username)
            client.set_password(security.password or "")
        if security.policy == "None":
            return
        policy = getattr(security_policies, f"SecurityPolicy{security.policy}", None)
        mode = getattr(ua.MessageSecurityMode, security.mode, None)
        if policy is None or mode is None or mode is ua.MessageSecurityMode.None_:
            raise TagConfigError(self.device.name, "security", f"unsupported {security.policy}/{security.mode}")
        if not (security.certificate and security.private_key):
            raise TagConfigError(self.device.name, "security", "a certificate and private key are required")
        client.application_uri = security.application_uri or await _certificate_uri(security.certificate)
        await client.set_security(
            policy,
            security.certificate,
            security.private_key,
            security.private_key_password,
            security.server_certificate,  # None: taken from the server's endpoint list
            mode,
        )

    async def _resolve_namespaces(self, client: Client) -> dict[str, int]:
        uris = {tag.opcua.namespace_uri for tag in self.device.tags if tag.opcua is not None}
        array = await self._typed("NamespaceArray", client.get_namespace_array())
        return {uri: array.index(uri) for uri in uris if uri in array}

    # -- subscriptions ------------------------------------------------------------------------

    async def _create_subscription(self, client: Client, request: _SubscriptionRequest, call: Any) -> None:
        tags = self._tags(request.names)
        handler = _Handler(self, {self._node_id(tag.opcua): tag for tag in tags}, request.callback)
        where = ",".join(request.names)
        subscription = await call(where, client.create_subscription(request.interval_s * 1000, handler))
        self._subscriptions.append(subscription)
        items = [self._monitored_item(tag, handle, request.interval_s) for handle, tag in enumerate(tags, 1)]
        results = await call(where, subscription.create_monitored_items(items))
        for tag, result in zip(tags, results, strict=True):
            if isinstance(result, ua.StatusCode):
                raise BadStatus(self.device.name, self._where(tag), result.value, result.name)

    def _monitored_item(self, tag: TagSpec, handle: int, interval_s: float) -> ua.MonitoredItemCreateRequest:
        params = ua.MonitoringParameters()
        params.ClientHandle = handle
        # Set explicitly: the library would otherwise sample every 50 ms.
        params.SamplingInterval = tag.sampling_interval_ms if tag.sampling_interval_ms is not None else (
            interval_s * 1000
        )
        params.QueueSize = tag.queue_size
        params.DiscardOldest = True
        if tag.deadband > 0:
            params.Filter = ua.DataChangeFilter(
                Trigger=ua.DataChangeTrigger.StatusValue,
                DeadbandType=ua.DeadbandType.Absolute,
                DeadbandValue=tag.deadband,
            )
        item = ua.MonitoredItemCreateRequest()
        item.ItemToMonitor = ua.ReadValueId(NodeId=self._node_id(tag.opcua), AttributeId=ua.AttributeIds.Value)
        item.MonitoringMode = ua.MonitoringMode.Reporting
        item.RequestedParameters = params
        return item

    # -- helpers ------------------------------------------------------------------------------

    async def _request(self, where: str, operation: Any) -> Any:
        """Await one service call; failures become typed errors and health is updated either way."""
        try:
            result = await self._typed(where, operation)
        except EquipmentError as exc:
            raise self._record_failure(exc) from exc.__cause__
        self.tracker.succeeded()
        return result

    async def _typed(self, where: str, operation: Any) -> Any:
        """Await one service call, turning library errors into typed errors (health untouched)."""
        try:
            return await operation
        except UaStatusCodeError as exc:
            raise BadStatus(self.device.name, where, exc.code, type(exc).__name__) from exc
        except TimeoutError as exc:  # before OSError: TimeoutError is one
            raise DeviceTimeout(self.device.name, where, "no answer in time") from exc
        except (OSError, UaError) as exc:
            raise DeviceUnavailable(self.device.name, where, str(exc)) from exc

    def _connected_client(self, where: str) -> Client:
        if self._client is None:
            raise self._record_failure(DeviceUnavailable(self.device.name, where, "not connected"))
        return self._client

    def _tag(self, name: str) -> TagSpec:
        tag = super()._tag(name)
        if tag.opcua is None:
            raise TagConfigError(self.device.name, name, "tag has no OPC UA address")
        return tag

    def _node_id(self, address: OpcUaAddress | None) -> ua.NodeId:
        assert address is not None, "checked by OpcUaAdapter._tag"
        index = self._namespaces.get(address.namespace_uri)
        if index is None and self._client is not None:
            raise TagConfigError(self.device.name, address.identifier, f"server has no {address.namespace_uri}")
        return ua.NodeId.from_string(f"ns={index or 0};{address.identifier}")

    def _node(self, tag: TagSpec) -> Node:
        return self._connected_client(self._where(tag)).get_node(self._node_id(tag.opcua))

    def _variant(self, tag: TagSpec, raw: float | int | bool | str) -> ua.Variant:
        type_name = VARIANT_TYPE.get(tag.data_type)
        if type_name is None:
            raise TagConfigError(self.device.name, self._where(tag), f"{tag.data_type} is not an OPC UA type")
        try:
            return ua.Variant(coerce_raw(tag.data_type, raw), getattr(ua.VariantType, type_name))
        except ValueError as exc:
            raise TagConfigError(self.device.name, self._where(tag), str(exc)) from None

    def _tag_value(self, tag: TagSpec, dv: ua.DataValue) -> TagValue:
        status = dv.StatusCode.value if dv.StatusCode else 0
        quality = quality_from_status(status)
        raw = dv.Value.Value if dv.Value is not None else None
        value = None if quality is Quality.BAD or raw is None else tag.to_engineering(raw)
        received = datetime.now(UTC)
        return TagValue(tag.name, value, quality, as_utc(dv.SourceTimestamp), received, status)

    def _where(self, tag: TagSpec) -> str:
        address = tag.opcua
        return f"{tag.name} nsu={address.namespace_uri};{address.identifier}" if address else tag.name


class _Handler:
    """asyncua subscription handler: turns notifications into TagValues for one callback."""

    def __init__(self, adapter: OpcUaAdapter, tags: dict[ua.NodeId, TagSpec], callback: DataChangeCallback):
        self.adapter = adapter
        self.tags = tags
        self.callback = callback

    async def datachange_notification(self, node: Node, val: Any, data: DataChangeNotif) -> None:
        """Deliver one change, with its StatusCode and source timestamp."""
        tag = self.tags.get(node.nodeid)
        if tag is not None:
            value = self.adapter._tag_value(tag, data.monitored_item.Value)
            await deliver(self.callback, value, self.adapter.log)

    def status_change_notification(self, status: ua.StatusChangeNotification) -> None:
        """Subscription-level status (e.g. BadTimeout); the connection watchdog acts on real loss."""
        self.adapter.log.debug("%s: subscription status %s", self.adapter.device.name, status.Status)


def _address(node: str | OpcUaAddress) -> OpcUaAddress:
    """Parse "nsu=<uri>;<id>" into an OpcUaAddress (other forms are not portable across restarts)."""
    if isinstance(node, OpcUaAddress):
        return node
    head, _, identifier = node.partition(";")
    if not head.startswith("nsu=") or not identifier:
        raise ValueError(f"node id {node!r} must look like nsu=<uri>;s=<name>")
    return OpcUaAddress(head[4:], identifier)


def _connect_error(device: DeviceSpec, exc: Exception) -> EquipmentError:
    """Map a failed connect: refused identity -> AccessDenied, anything else -> DeviceUnavailable."""
    if isinstance(exc, UaStatusCodeError) and type(exc).__name__ in ACCESS_DENIED_NAMES:
        return AccessDenied(device.name, device.endpoint, type(exc).__name__)
    if isinstance(exc, TimeoutError):
        return DeviceUnavailable(device.name, device.endpoint, "connect timed out")
    return DeviceUnavailable(device.name, device.endpoint, f"{type(exc).__name__}: {exc}")


async def _certificate_uri(path: str) -> str:
    """The application URI a certificate was issued to (its SubjectAltName URI)."""
    certificate = await uacrypto.load_certificate(path)
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    uris = names.get_values_for_type(x509.UniformResourceIdentifier)
    if not uris:
        raise ValueError(f"certificate {path} has no application URI in SubjectAltName")
    return uris[0]
