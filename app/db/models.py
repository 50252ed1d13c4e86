"""ORM tables: organisations and their API keys, quotes, bookings and departure capacity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base

ROLES = ("forwarder", "dispatcher", "planner", "admin", "network_operator")
#: Who a disruption is for: every quote and booking (declared by the network operator), or
#: the declaring organisation's bookings only.
DISRUPTION_SCOPES = ("network", "organisation")
BOOKING_STATUSES = ("confirmed", "cancelled")


class NetworkVersion(Base):
    """A network version the service has loaded: what every quote and study will refer to."""

    __tablename__ = "network_versions"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    path: Mapped[str] = mapped_column(String(1024))
    locations: Mapped[int] = mapped_column(Integer)
    service_legs: Mapped[int] = mapped_column(Integer)
    first_loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Organisation(Base):
    """A tenant: it sees only its own quotes, bookings and waybills."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiKey(Base):
    """An API key of an organisation with one role; only a hash of its secret is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Quote(Base):
    """A persisted quote: the request as given, its options as served, and how long it holds."""

    __tablename__ = "quotes"
    __table_args__ = (
        Index("ix_quotes_organisation_created", "organisation_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    network_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)


class DepartureCapacity(Base):
    """Room on one departure (service leg and UTC instant), created on its first booking.

    The check constraint is the last guard against overselling; bookings reserve with a
    conditional update so that it never fires in normal operation.
    """

    __tablename__ = "departure_capacity"
    __table_args__ = (
        CheckConstraint("booked_teu >= 0", name="booked_not_negative"),
        CheckConstraint("booked_teu <= capacity_teu", name="within_capacity"),
    )

    departure_key: Mapped[str] = mapped_column(String(96), primary_key=True)
    leg_id: Mapped[str] = mapped_column(String(64))
    departure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    capacity_teu: Mapped[float] = mapped_column(Float)
    booked_teu: Mapped[float] = mapped_column(Float, default=0.0)


class Booking(Base):
    """A booked quote option: one through waybill (多式联运运单) for the whole journey."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("organisation_id", "idempotency_key", name="uq_bookings_idempotency"),
        CheckConstraint(
            f"status IN ({', '.join(repr(s) for s in BOOKING_STATUSES)})", name="status"
        ),
        Index("ix_bookings_organisation_created", "organisation_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    quote_id: Mapped[str] = mapped_column(ForeignKey("quotes.id"), index=True)
    option_id: Mapped[str] = mapped_column(String(32))
    waybill_number: Mapped[str] = mapped_column(String(24), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    teu: Mapped[float] = mapped_column(Float)
    shipper: Mapped[dict[str, Any]] = mapped_column(JSON)
    consignee: Mapped[dict[str, Any]] = mapped_column(JSON)
    references: Mapped[dict[str, Any]] = mapped_column(JSON)
    option: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BookingDeparture(Base):
    """The TEU a booking holds on one departure; released when the booking is cancelled."""

    __tablename__ = "booking_departures"

    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), primary_key=True)
    departure_key: Mapped[str] = mapped_column(
        ForeignKey("departure_capacity.departure_key"), primary_key=True
    )
    teu: Mapped[float] = mapped_column(Float)


class StoredScenario(Base):
    """A planning scenario of an organisation: a name and its versions of patch operations."""

    __tablename__ = "scenarios"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name", name="uq_scenarios_organisation_name"),
        Index("ix_scenarios_organisation_created", "organisation_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ScenarioVersion(Base):
    """One version of a scenario's operations, as validated against a base network."""

    __tablename__ = "scenario_versions"

    scenario_id: Mapped[str] = mapped_column(ForeignKey("scenarios.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    ops: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    base_network_version: Mapped[str] = mapped_column(String(32))
    network_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


JOB_STATUSES = ("queued", "running", "succeeded", "failed")


class Job(Base):
    """A long piece of work (a study) run outside the request: its progress and its result."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in JOB_STATUSES)})", name="status"),
        Index("ix_jobs_organisation_created", "organisation_id", "created_at", "id"),
        Index("ix_jobs_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(String(500))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(4000))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: How many parts the plan made (None until planned).
    parts: Mapped[int | None] = mapped_column(Integer)
    #: The delivery holding the job's own step: planning, then combining (see app.jobs.state).
    claimed_by: Mapped[str | None] = mapped_column(String(64))


JOB_PART_STATUSES = ("queued", "running", "done", "failed")


class JobPart(Base):
    """One part of a job (e.g. one scenario of a study): its parameters, attempts and result.

    Parts are rows so that a redelivered part is skipped once done, and so that the combine
    step reads every part's result from here rather than from a broker's result backend.
    """

    __tablename__ = "job_parts"
    __table_args__ = (
        CheckConstraint(
            f"status IN ({', '.join(repr(s) for s in JOB_PART_STATUSES)})", name="status"
        ),
    )

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(4000))
    #: Deliveries that ran this part (a worker lost mid-part makes one more).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The delivery running it: a Celery task id, the same when the broker redelivers it.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DemandMatrix(Base):
    """A demand matrix an organisation uploaded: TEU a year by origin, destination and class."""

    __tablename__ = "demand_matrices"
    __table_args__ = (
        Index("ix_demand_matrices_organisation_created", "organisation_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    #: ``[origin, destination, cargo_class, teu_per_year]`` per cell, as validated at upload
    rows: Mapped[list[list[Any]]] = mapped_column(JSON)
    pairs: Mapped[int] = mapped_column(Integer)
    total_teu: Mapped[float] = mapped_column(Float)
    origins: Mapped[int] = mapped_column(Integer)
    destinations: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BookingEvent(Base):
    """A DCSA-style event reported on a booking: what happened (ACT) or is expected (EST, PLN)."""

    __tablename__ = "booking_events"
    __table_args__ = (
        UniqueConstraint("booking_id", "idempotency_key", name="uq_booking_events_idempotency"),
        Index("ix_booking_events_booking_time", "booking_id", "event_time", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"))
    classifier: Mapped[str] = mapped_column(String(3))
    code: Mapped[str] = mapped_column(String(4))
    leg_seq: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(64))
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    description: Mapped[str | None] = mapped_column(String(500))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_sha256: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Webhook(Base):
    """Where an organisation wants its events delivered, signed with its secret."""

    __tablename__ = "webhooks"
    __table_args__ = (
        Index("ix_webhooks_organisation_created", "organisation_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    #: kept as given: signing needs it (HMAC); never returned by the API
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


DELIVERY_STATUSES = ("pending", "delivered", "failed")


class WebhookDelivery(Base):
    """One event to one webhook: an outbox row written with the change that caused it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(
            f"status IN ({', '.join(repr(s) for s in DELIVERY_STATUSES)})", name="status"
        ),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook_created", "webhook_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id"))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


DISRUPTION_STATUSES = ("active", "closed")


class Disruption(Base):
    """A closure of part of the live network for a window: a typhoon, a rail interruption..."""

    __tablename__ = "disruptions"
    __table_args__ = (
        CheckConstraint(
            f"status IN ({', '.join(repr(s) for s in DISRUPTION_STATUSES)})", name="status"
        ),
        Index("ix_disruptions_created", "created_at", "id"),
        CheckConstraint(
            f"scope IN ({', '.join(repr(s) for s in DISRUPTION_SCOPES)})", name="scope"
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    scope: Mapped[str] = mapped_column(String(16), server_default="network")
    target_type: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(500))
    #: Set for congestion: the place stays open and holds boxes this much longer.
    added_dwell_hours: Mapped[float | None] = mapped_column(Float)
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


PROPOSAL_STATUSES = ("open", "accepted", "superseded")


class RerouteProposal(Base):
    """A new itinerary for a booking from where its cargo is, offered until accepted or replaced.

    ``option`` is the whole journey as it would be after accepting (legs travelled, then the
    new ones from ``from_seq``); ``plan_sha256`` pins the booking's plan it was made for, so a
    proposal made before another re-route cannot be accepted after it.
    """

    __tablename__ = "reroute_proposals"
    __table_args__ = (
        CheckConstraint(
            f"status IN ({', '.join(repr(s) for s in PROPOSAL_STATUSES)})", name="status"
        ),
        Index("ix_reroute_proposals_booking_status", "booking_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"))
    disruption_id: Mapped[str | None] = mapped_column(ForeignKey("disruptions.id"))
    status: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    network_version: Mapped[str] = mapped_column(String(32))
    plan_sha256: Mapped[str] = mapped_column(String(64))
    from_seq: Mapped[int] = mapped_column(Integer)
    basis: Mapped[dict[str, Any]] = mapped_column(JSON)
    option: Mapped[dict[str, Any]] = mapped_column(JSON)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
