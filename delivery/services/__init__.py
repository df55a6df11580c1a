"""Writes of document delivery, by subject: citizens' orders and their status
(``orders``), orders sent by the e-services portal (``portal``), couriers, shifts and planned
rounds (``rounds``), what couriers record at the door (``proofs``), the citizen's rating of a
delivery (``feedback``) and the log of staff reads of an order's personal data (``reads``)."""

from delivery.services.feedback import delivery_feedback_give
from delivery.services.orders import (
    TRANSITIONS,
    delivery_courier_report,
    delivery_notice_queue,
    delivery_notices_sent,
    delivery_order_create,
    delivery_ready_for_collection,
    delivery_status_set,
    delivery_status_set_many,
    document_request_verify,
    phone_normalise,
)
from delivery.services.portal import delivery_orders_import
from delivery.services.proofs import proof_record
from delivery.services.reads import delivery_order_reads_record
from delivery.services.rounds import (
    courier_shift_create,
    round_plan,
    round_position_report,
    round_start,
    round_stop_move,
)

__all__ = [
    "TRANSITIONS",
    "courier_shift_create",
    "delivery_courier_report",
    "delivery_feedback_give",
    "delivery_notice_queue",
    "delivery_notices_sent",
    "delivery_order_create",
    "delivery_order_reads_record",
    "delivery_orders_import",
    "delivery_ready_for_collection",
    "delivery_status_set",
    "delivery_status_set_many",
    "document_request_verify",
    "phone_normalise",
    "proof_record",
    "round_plan",
    "round_position_report",
    "round_start",
    "round_stop_move",
]
