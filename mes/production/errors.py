"""Typed errors of the production use cases (the pure rules raise theirs in mes.domain)."""

from __future__ import annotations

from mes.domain.errors import DomainError


class NotFound(DomainError):
    code = "not_found"
    kind = "not_found"
    message_en = "{what} {key} does not exist"
    message_ru = "{what} {key} не найден(а)"

    def __init__(self, what: str, key: object) -> None:
        super().__init__(what=what, key=key)


class InvalidInput(DomainError):
    code = "invalid_input"
    kind = "invalid"
    message_en = "The request is not valid"
    message_ru = "Запрос некорректен"


class RoutingNotApproved(DomainError):
    code = "routing_not_approved"
    message_en = "The routing version is not approved"
    message_ru = "Версия маршрута не утверждена"


class WrongWorkOrderStatus(DomainError):
    code = "wrong_work_order_status"
    message_en = "The work order is {status}: this action needs {needed}"
    message_ru = "Заказ в статусе «{status}»: для этого действия нужен статус {needed}"


class QuantityExceeded(DomainError):
    code = "quantity_exceeded"
    message_en = "More serials than the work order quantity ({quantity})"
    message_ru = "Серийных номеров больше, чем количество по заказу ({quantity})"


class WrongPart(DomainError):
    code = "wrong_part"
    message_en = "Part {part} is not in the bill of materials for this operation"
    message_ru = "Компонента {part} нет в спецификации для этой операции"


class LotNotReleased(DomainError):
    code = "lot_not_released"
    message_en = "Lot {lot} is {status}, not released"
    message_ru = "Партия {lot} в статусе «{status}», а не «разрешена»"


class LotExpired(DomainError):
    code = "lot_expired"
    message_en = "Lot {lot} expired on {expiry}"
    message_ru = "Срок годности партии {lot} истёк {expiry}"


class InsufficientQuantity(DomainError):
    code = "insufficient_quantity"
    message_en = "Lot {lot} has less than {quantity} on hand"
    message_ru = "В партии {lot} осталось меньше {quantity}"


class ComponentAlreadyConsumed(DomainError):
    code = "component_already_consumed"
    message_en = "Component {serial} is already built into another unit"
    message_ru = "Компонент {serial} уже установлен в другое изделие"


class ComponentNotUsable(DomainError):
    code = "component_not_usable"
    message_en = "Component unit {serial} is {status}: only a completed unit not on hold can be built in"
    message_ru = "Компонент {serial} в статусе «{status}»: устанавливать можно только годный завершённый узел"


class SerialRequired(DomainError):
    code = "serial_required"
    kind = "invalid"
    message_en = "Part {part} is serialized: scan the component's serial"
    message_ru = "Компонент {part} учитывается по серийному номеру: отсканируйте серийный номер"


class TooManyComponents(DomainError):
    code = "too_many_components"
    message_en = "The unit already has the quantity of {part} its bill of materials asks for"
    message_ru = "В изделии уже установлено требуемое спецификацией количество {part}"


class MissingComponents(DomainError):
    code = "missing_components"
    message_en = "Components not yet scanned for this operation: {parts}"
    message_ru = "Для этой операции не отсканированы компоненты: {parts}"


class UnknownMeasurement(DomainError):
    code = "unknown_measurement"
    kind = "invalid"
    message_en = "Measurement {name} is not in the data collection plan of this operation"
    message_ru = "Измерения {name} нет в плане сбора данных этой операции"


class MeasurementMissing(DomainError):
    code = "measurement_missing"
    message_en = "Required measurements not recorded: {names}"
    message_ru = "Не записаны обязательные измерения: {names}"


class NoOpenNonconformance(DomainError):
    code = "no_open_nonconformance"
    message_en = "The unit has no open nonconformance to disposition"
    message_ru = "У изделия нет открытого несоответствия"


class DuplicateLot(DomainError):
    code = "duplicate_lot"
    message_en = "Lot {lot} of part {part} was already received"
    message_ru = "Партия {lot} компонента {part} уже принята"


class WrongLotStatus(DomainError):
    code = "wrong_lot_status"
    message_en = "Lot {lot} is {status}"
    message_ru = "Партия {lot} в статусе «{status}»"


class ConcurrentUpdate(DomainError):
    code = "concurrent_update"
    message_en = "Another station changed the same record at the same moment; scan again"
    message_ru = "Другая станция одновременно изменила ту же запись; повторите сканирование"


class CalibrationExpired(DomainError):
    code = "calibration_expired"
    message_en = "Equipment {equipment} was due for calibration on {due}"
    message_ru = "Срок калибровки оборудования {equipment} истёк {due}"


class StationBusy(DomainError):
    code = "station_busy"
    message_en = "Station {station} already has unit {serial} loaded ({status}); wait for its result or cancel it"
    message_ru = "На станции {station} уже загружено изделие {serial} ({status}); дождитесь результата или отмените"


class UnitAlreadyLoaded(DomainError):
    code = "unit_already_loaded"
    message_en = "Unit {serial} is already loaded at station {station}"
    message_ru = "Изделие {serial} уже загружено на станции {station}"


class NotStartedAtStation(DomainError):
    code = "not_started_at_station"
    message_en = "Unit {serial} has no operation started at station {station}: start its operation here first"
    message_ru = "У изделия {serial} нет начатой операции на станции {station}: сначала начните операцию здесь"


class NoMachineAtStation(DomainError):
    code = "no_machine_at_station"
    message_en = "Station {station} has no machine that takes a serial (load_serial)"
    message_ru = "На станции {station} нет машины, принимающей серийный номер (load_serial)"


class JobNotActive(DomainError):
    code = "job_not_active"
    message_en = "Station job {job} is already {status}"
    message_ru = "Задание станции {job} уже в статусе «{status}»"
