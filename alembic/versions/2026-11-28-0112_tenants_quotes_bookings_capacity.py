"""tenants quotes bookings capacity

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 01:12:54.494872
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "departure_capacity",
        sa.Column("departure_key", sa.String(length=96), nullable=False),
        sa.Column("leg_id", sa.String(length=64), nullable=False),
        sa.Column("departure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity_teu", sa.Float(), nullable=False),
        sa.Column("booked_teu", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "booked_teu <= capacity_teu", name=op.f("ck_departure_capacity_within_capacity")
        ),
        sa.CheckConstraint(
            "booked_teu >= 0", name=op.f("ck_departure_capacity_booked_not_negative")
        ),
        sa.PrimaryKeyConstraint("departure_key", name=op.f("pk_departure_capacity")),
    )
    with op.batch_alter_table("departure_capacity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_departure_capacity_departure_at"), ["departure_at"], unique=False
        )

    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('forwarder', 'dispatcher', 'planner', 'admin')", name=op.f("ck_api_keys_role")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_api_keys_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_keys_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "quotes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("network_version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_quotes_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quotes_organisation_created", ["organisation_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "bookings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("quote_id", sa.String(length=32), nullable=False),
        sa.Column("option_id", sa.String(length=32), nullable=False),
        sa.Column("waybill_number", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("teu", sa.Float(), nullable=False),
        sa.Column("shipper", sa.JSON(), nullable=False),
        sa.Column("consignee", sa.JSON(), nullable=False),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("option", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('confirmed', 'cancelled')", name=op.f("ck_bookings_status")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_bookings_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quotes.id"], name=op.f("fk_bookings_quote_id_quotes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("organisation_id", "idempotency_key", name="uq_bookings_idempotency"),
        sa.UniqueConstraint("waybill_number", name=op.f("uq_bookings_waybill_number")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bookings_organisation_created",
            ["organisation_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_bookings_quote_id"), ["quote_id"], unique=False)

    op.create_table(
        "booking_departures",
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column("departure_key", sa.String(length=96), nullable=False),
        sa.Column("teu", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_booking_departures_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["departure_key"],
            ["departure_capacity.departure_key"],
            name=op.f("fk_booking_departures_departure_key_departure_capacity"),
        ),
        sa.PrimaryKeyConstraint("booking_id", "departure_key", name=op.f("pk_booking_departures")),
    )


def downgrade() -> None:

    op.drop_table("booking_departures")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookings_quote_id"))
        batch_op.drop_index("ix_bookings_organisation_created")

    op.drop_table("bookings")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index("ix_quotes_organisation_created")

    op.drop_table("quotes")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_organisation_id"))

    op.drop_table("api_keys")
    op.drop_table("organisations")
    with op.batch_alter_table("departure_capacity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_departure_capacity_departure_at"))

    op.drop_table("departure_capacity")
