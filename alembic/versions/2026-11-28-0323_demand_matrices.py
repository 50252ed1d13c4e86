"""demand_matrices

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 03:23:27.556006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "demand_matrices",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("total_teu", sa.Float(), nullable=False),
        sa.Column("origins", sa.Integer(), nullable=False),
        sa.Column("destinations", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_demand_matrices_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_matrices")),
    )
    with op.batch_alter_table("demand_matrices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_demand_matrices_organisation_created",
            ["organisation_id", "created_at", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("demand_matrices", schema=None) as batch_op:
        batch_op.drop_index("ix_demand_matrices_organisation_created")

    op.drop_table("demand_matrices")
