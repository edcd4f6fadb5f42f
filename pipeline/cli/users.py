"""`flask users create|disable|enable|reset-password`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from pipeline.vocabulary import ROLES


def _account(call, *args):
    """Run an accounts service call; its refusal (a domain error) becomes the command's error message."""
    from pipeline.errors import DomainError

    try:
        return call(*args)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None


def register(app: Flask) -> None:
    users = AppGroup("users", help="管理账号：创建、停用、重置密码")

    @users.command("create")
    @click.argument("username")
    @click.option("--role", type=click.Choice(list(ROLES)), required=True, help="admin | officer | firm")
    @click.option("--name", "display_name", help="显示姓名")
    @click.option("--county", "county_code", help="县区专员的县区（代码或名称）")
    @click.option("--firm", "firm_code", help="企业用户的统一社会信用代码")
    @click.option("--email")
    @click.password_option("--password", help="至少8位，含两类字符")
    def create(username, role, display_name, county_code, firm_code, email, password):
        """创建账号。"""
        from pipeline.services.accounts import create_user

        user = _account(
            create_user, None, username, password, role, display_name, county_code, firm_code, email
        )
        click.echo(f"已创建账号 {user.username}（{user.role_label}）")

    @users.command("disable")
    @click.argument("username")
    def disable(username):
        """停用账号（不删除，历史记录保留）。"""
        from pipeline.services.accounts import set_active

        _account(set_active, None, username, False)
        click.echo(f"已停用账号 {username}")

    @users.command("enable")
    @click.argument("username")
    def enable(username):
        """重新启用账号。"""
        from pipeline.services.accounts import set_active

        _account(set_active, None, username, True)
        click.echo(f"已启用账号 {username}")

    @users.command("reset-password")
    @click.argument("username")
    @click.password_option("--password", help="新密码")
    def reset(username, password):
        """重置密码并解除锁定。"""
        from pipeline.services.accounts import reset_password

        _account(reset_password, None, username, password)
        click.echo(f"已重置 {username} 的密码并解除锁定")

    app.cli.add_command(users)
