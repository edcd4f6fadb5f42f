"""Error bodies shared by pages and the JSON API."""

from __future__ import annotations

MESSAGES = {
    400: "请求有误或表单已过期，请刷新页面后重试。",
    401: "需要登录或有效的访问令牌。",
    403: "没有执行此操作的权限。",
    404: "未找到该页面或记录，或您无权查看。",
    405: "不支持该请求方式。",
    413: "上传的文件过大。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误，请稍后再试或联系管理员。",
    503: "系统正忙（数据库暂时无法响应），请稍后刷新重试。",
}
# The English line under the Chinese one on the database-free error page (no catalog lookup needed).
ENGLISH = {
    400: "Bad request.",
    500: "Internal error: try again later or contact the administrator.",
    503: "The system is busy (the database did not answer in time): reload the page in a moment.",
}


def api_error_body(code: int, message: str | None = None) -> dict:
    return {"error": {"code": code, "message": message or MESSAGES.get(code, "请求失败")}}


def register(app) -> None:
    """The one mapping of domain errors to HTTP: the API answers JSON, pages the error page."""
    from flask import jsonify, render_template, request

    from pipeline.errors import DomainError

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        from pipeline.web.transaction import abandon

        abandon()  # issue 13: nothing the service flushed is kept; the page below reads the user
        code = exc.status
        if request.path.startswith("/api/"):
            body = api_error_body(code, exc.message or None)
            if exc.field:
                body["error"]["field"] = exc.field
            return jsonify(body), code
        return render_template("errors/error.html", code=code, message=exc.message), code


def put_on_form(form, exc, default: str | None = None) -> None:
    """Show a domain error under the form field it names (``default`` when it names none; with no
    default, above the form)."""
    name = exc.field if getattr(exc, "field", None) in form._fields else default
    if name is None:
        form.form_errors.append(str(exc))
        return
    form[name].errors = [*form[name].errors, str(exc)]
