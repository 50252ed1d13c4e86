"""the network operator's role, and disruptions scoped to the network or to one organisation

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_BEFORE = "role IN ('forwarder', 'dispatcher', 'planner', 'admin')"
ROLES_AFTER = "role IN ('forwarder', 'dispatcher', 'planner', 'admin', 'network_operator')"


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_keys_role"), type_="check")
        batch_op.create_check_constraint("role", ROLES_AFTER)
    with op.batch_alter_table("disruptions", schema=None) as batch_op:
        # disruptions declared before were network-wide
        batch_op.add_column(
            sa.Column("scope", sa.String(length=16), server_default="network", nullable=False)
        )
        batch_op.create_check_constraint("scope", "scope IN ('network', 'organisation')")


def downgrade() -> None:
    op.execute("DELETE FROM api_keys WHERE role = 'network_operator'")
    with op.batch_alter_table("disruptions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_disruptions_scope"), type_="check")
        batch_op.drop_column("scope")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_keys_role"), type_="check")
        batch_op.create_check_constraint("role", ROLES_BEFORE)
