"""i18: department tree (city → county → town), industry chains, target splits, 包联 leader

Counties stay as they are and are linked to a ``dept_node`` of kind ``county``. Backfill: one city
node, one node per existing county, one "未划分乡镇" holding node per county; every existing firm is
put in its county's holding node (a county officer moves it to its real town by the firm form or an
Excel import), every existing officer is put on their county's node, the industry chains are seeded
and each firm whose ``industry`` names a chain gets that chain.

Revision ID: i18_dept_tree
Revises: i11_submission_fields
"""
from alembic import op
import sqlalchemy as sa


revision = "i18_dept_tree"
down_revision = "i11_submission_fields"
branch_labels = None
depends_on = None

CHAINS = [("pharma", "新医药"), ("materials", "新材料"), ("energy", "新能源"), ("equipment", "高端装备"),
          ("petrochem", "石化"), ("marine", "海洋"), ("digital", "数字经济"), ("other", "其他")]


def upgrade():
    op.create_table(
        "dept_node",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=True),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["county_id"], ["county.id"], name=op.f("fk_dept_node_county_id_county"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["parent_id"], ["dept_node.id"], name=op.f("fk_dept_node_parent_id_dept_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dept_node")),
        sa.UniqueConstraint("code", name=op.f("uq_dept_node_code")),
        sa.UniqueConstraint("parent_id", "name", name="uq_dept_node_parent_name"),
    )
    with op.batch_alter_table("dept_node", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dept_node_county_id"), ["county_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dept_node_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dept_node_path"), ["path"], unique=False)
    op.create_table(
        "industry_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_industry_chain")),
        sa.UniqueConstraint("code", name=op.f("uq_industry_chain_code")),
        sa.UniqueConstraint("name", name=op.f("uq_industry_chain_name")),
    )
    op.create_table(
        "target_split",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("chain_id", sa.Integer(), nullable=True),
        sa.Column("hnte_target", sa.Integer(), nullable=False),
        sa.Column("tsme_target", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["chain_id"], ["industry_chain.id"], name=op.f("fk_target_split_chain_id_industry_chain"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["county_id"], ["county.id"], name=op.f("fk_target_split_county_id_county"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["town_id"], ["dept_node.id"], name=op.f("fk_target_split_town_id_dept_node"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_split")),
        sa.UniqueConstraint("year", "key", name="uq_target_split_year_key"),
    )
    with op.batch_alter_table("target_split", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_split_county_id"), ["county_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_target_split_town_id"), ["town_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_target_split_chain_id"), ["chain_id"], unique=False)
    with op.batch_alter_table("firm", schema=None) as batch_op:
        batch_op.add_column(sa.Column("town_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("chain_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("leader_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_firm_town_id"), ["town_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_firm_chain_id"), ["chain_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_firm_leader_id"), ["leader_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_firm_town_id_dept_node"), "dept_node", ["town_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_firm_chain_id_industry_chain"), "industry_chain",
                                    ["chain_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_firm_leader_id_user_account"), "user_account",
                                    ["leader_id"], ["id"])
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("node_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_user_account_node_id"), ["node_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_user_account_node_id_dept_node"), "dept_node",
                                    ["node_id"], ["id"])
    _backfill()


def _backfill():
    conn = op.get_bind()
    node = sa.table("dept_node", sa.column("id"), sa.column("parent_id"), sa.column("kind"), sa.column("name"),
                    sa.column("code"), sa.column("county_id"), sa.column("path"), sa.column("sort"))
    chain = sa.table("industry_chain", sa.column("id"), sa.column("code"), sa.column("name"), sa.column("sort"))
    conn.execute(chain.insert(), [{"code": c, "name": n, "sort": i} for i, (c, n) in enumerate(CHAINS)])
    conn.execute(node.insert().values(parent_id=None, kind="city", name="全市", code="city", county_id=None,
                                      path="/", sort=0))
    city_id = conn.execute(sa.text("SELECT id FROM dept_node WHERE code = 'city'")).scalar()
    conn.execute(sa.text("UPDATE dept_node SET path = :p WHERE id = :i"), {"p": f"/{city_id}/", "i": city_id})
    counties = conn.execute(sa.text("SELECT id, code, name, sort FROM county ORDER BY sort, id")).all()
    for cid, code, name, sort in counties:
        conn.execute(node.insert().values(parent_id=city_id, kind="county", name=name, code=f"{code}",
                                          county_id=cid, path="", sort=sort or 0))
        nid = conn.execute(sa.text("SELECT id FROM dept_node WHERE code = :c"), {"c": code}).scalar()
        conn.execute(sa.text("UPDATE dept_node SET path = :p WHERE id = :i"), {"p": f"/{city_id}/{nid}/", "i": nid})
        conn.execute(node.insert().values(parent_id=nid, kind="unassigned", name="未划分乡镇", code=f"{code}-000",
                                          county_id=cid, path="", sort=9999))
        uid = conn.execute(sa.text("SELECT id FROM dept_node WHERE code = :c"), {"c": f"{code}-000"}).scalar()
        conn.execute(sa.text("UPDATE dept_node SET path = :p WHERE id = :i"),
                     {"p": f"/{city_id}/{nid}/{uid}/", "i": uid})
        conn.execute(sa.text("UPDATE firm SET town_id = :u WHERE county_id = :c AND town_id IS NULL"),
                     {"u": uid, "c": cid})
        conn.execute(sa.text("UPDATE user_account SET node_id = :n WHERE role = 'officer' AND county_id = :c"),
                     {"n": nid, "c": cid})
    for cid_, name in conn.execute(sa.text("SELECT id, name FROM industry_chain")).all():
        conn.execute(sa.text("UPDATE firm SET chain_id = :c WHERE industry = :n AND chain_id IS NULL"),
                     {"c": cid_, "n": name})


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_user_account_node_id_dept_node"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_user_account_node_id"))
        batch_op.drop_column("node_id")
    with op.batch_alter_table("firm", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_firm_leader_id_user_account"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_firm_chain_id_industry_chain"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_firm_town_id_dept_node"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_firm_leader_id"))
        batch_op.drop_index(batch_op.f("ix_firm_chain_id"))
        batch_op.drop_index(batch_op.f("ix_firm_town_id"))
        batch_op.drop_column("leader_id")
        batch_op.drop_column("chain_id")
        batch_op.drop_column("town_id")
    op.drop_table("target_split")
    op.drop_table("industry_chain")
    op.drop_table("dept_node")
