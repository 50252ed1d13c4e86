"""reroute_proposals, and dwell hours of congestion disruptions

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 05:59:52.547157
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("disruptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("added_dwell_hours", sa.Float(), nullable=True))
    op.create_table(
        "reroute_proposals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column("disruption_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("network_version", sa.String(length=32), nullable=False),
        sa.Column("plan_sha256", sa.String(length=64), nullable=False),
        sa.Column("from_seq", sa.Integer(), nullable=False),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.Column("option", sa.JSON(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'accepted', 'superseded')", name=op.f("ck_reroute_proposals_status")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_reroute_proposals_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["disruption_id"],
            ["disruptions.id"],
            name=op.f("fk_reroute_proposals_disruption_id_disruptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reroute_proposals")),
    )
    with op.batch_alter_table("reroute_proposals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reroute_proposals_booking_status", ["booking_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reroute_proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_reroute_proposals_booking_status")

    op.drop_table("reroute_proposals")
    with op.batch_alter_table("disruptions", schema=None) as batch_op:
        batch_op.drop_column("added_dwell_hours")
