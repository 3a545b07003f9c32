"""Token versions: deactivating an account or changing its password ends its tokens.

Every token carries the account's `token_version` (claim `ver`); a request whose
token names an older version than the account's row is refused. The column starts
at 0 for every existing account, so tokens issued before this revision (which have
no `ver`, read as 0) keep working until a deactivation or password change.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("app_user", "service_account")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.drop_column("token_version")
