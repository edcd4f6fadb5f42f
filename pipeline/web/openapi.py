"""The OpenAPI 3 document of ``/api/v1``, served at ``/api/v1/openapi.json`` (a static dict)."""

from __future__ import annotations

from pipeline.vocabulary import MILESTONE_STATUS_LABELS, MILESTONE_STATUSES, STAGES


def _nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


STR = {"type": "string"}
NO_CONTROL = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*$"
INT = {"type": "integer"}
DATE = {"type": "string", "format": "date"}
VERDICT = {"type": "string", "enum": ["ready", "marginal", "not_ready", "incomplete"]}

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": INT, "message": {"type": "string", "description": "中文错误说明"}},
        }
    },
}


def _err(desc: str) -> dict:
    return {
        "description": desc,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(ref: str, desc: str = "成功") -> dict:
    return {
        "200": {
            "description": desc,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
        },
        "401": {"$ref": "#/components/responses/Unauthorized"},
    }


FIRM_PROPS = {
    "id": INT,
    "name": STR,
    "credit_code": STR,
    "county_id": INT,
    "county": _nullable(STR),
    "stage": {"type": "string", "enum": list(STAGES)},
    "stage_label": STR,
    "pool_level": _nullable({"type": "string", "enum": ["city", "province"]}),
    "tech_domain": _nullable(STR),
    "hnte_cert_expiry": _nullable(DATE),
    "tsme_year": _nullable(INT),
    "verdict": _nullable(VERDICT),
    "score_min": _nullable(INT),
    "score_max": _nullable(INT),
    "target_batch": _nullable(STR),
    "town_id": _nullable(INT),
    "chain_id": _nullable(INT),  # issue 18
}
FIRM = {"type": "object", "required": list(FIRM_PROPS), "properties": FIRM_PROPS}
FIRM_DETAIL = {
    "type": "object",
    "required": list(FIRM_PROPS) + ["registered_on"],
    "properties": {
        **FIRM_PROPS,
        "registered_on": _nullable(DATE),
        "industry": _nullable(STR),
        "address": _nullable(STR),
        "contact_name": _nullable(STR),
        "hnte_cert_no": _nullable(STR),
        "hnte_cert_date": _nullable(DATE),
        "tsme_reg_no": _nullable(STR),
    },
}
MILESTONE_PROPS = {
    "id": INT,
    "code": STR,
    "title": STR,
    "addresses": {"type": "array", "items": STR},
    "basis": _nullable(STR),
    "due": DATE,
    "owner": STR,
    "status": {"type": "string", "enum": list(MILESTONE_STATUS_LABELS)},
    "status_label": STR,
    "evidence_note": _nullable(STR),
    "progress_note": _nullable(STR),
    "progress_pending": {"type": "boolean"},
    "done_on": _nullable(DATE),
    "manual": {"type": "boolean"},
    "superseded_by_id": _nullable(INT),
    "version": {"type": "integer", "description": "行版本；修改时回传以防覆盖他人的修改"},
}
MILESTONE = {"type": "object", "required": list(MILESTONE_PROPS), "properties": MILESTONE_PROPS}
YEAR_FC = {
    "type": "object",
    "required": ["year", "active_expected", "active_low", "active_high"],
    "properties": {
        "year": INT,
        "target": _nullable(INT),
        "new_expected": {"type": "number"},
        "new_low": {"type": "number"},
        "new_high": {"type": "number"},
        "renewals_expected": {"type": "number"},
        "expiring": INT,
        "expiring_without_reapplication": INT,
        "active_expected": {"type": "number"},
        "active_low": {"type": "number"},
        "active_high": {"type": "number"},
        "gap_expected": _nullable({"type": "number"}),
        "reaches_target": _nullable({"type": "boolean"}),
    },
}

PAGE_PARAMS = [
    {
        "name": "page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1},
    },
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
        "description": "每页条数，最多 200",
    },
]
ID = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
FIRM_ID = {"name": "firm_id", "in": "path", "required": True, "schema": ID}
COUNTY = {
    "name": "county",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    "description": "县区 id",
}
TOWN = {
    "name": "town",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    "description": "乡镇/街道/园区 id（部门树节点）",
}
CHAIN = {
    "name": "chain",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    "description": "产业链 id",
}

SPEC = {
    "openapi": "3.0.3",
    "info": {
        "title": "小升高培育平台 API",
        "version": "1.0.0",
        "description": "按用户签发的访问令牌（Authorization: Bearer <令牌>）调用；数据范围与页面一致："
        "市级管理员看全市，县区专员看本县区，乡镇专员看本乡镇，企业用户只看本企业；越权访问一律返回 404。"
        "错误统一为 {\"error\": {\"code\", \"message\"}}，message 为中文。",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/firms": {
            "get": {
                "summary": "企业列表（分页、筛选）",
                "operationId": "listFirms",
                "parameters": [
                    COUNTY,
                    TOWN,
                    CHAIN,
                    {"name": "stage", "in": "query", "schema": {"type": "string", "enum": list(STAGES)}},
                    {
                        "name": "verdict",
                        "in": "query",
                        "schema": {
                            "type": "string",
                            "enum": ["ready", "marginal", "not_ready", "incomplete", "unassessed"],
                        },
                    },
                    {
                        "name": "q",
                        "in": "query",
                        "schema": {"type": "string", "maxLength": 100, "pattern": NO_CONTROL},
                        "description": "按企业名称或统一社会信用代码模糊查找",
                    },
                    *PAGE_PARAMS,
                ],
                "responses": {**_ok("FirmPage"), "422": _err("参数无效（消息中指明参数名）")},
            }
        },
        "/firms/{firm_id}": {
            "get": {
                "summary": "企业详情",
                "operationId": "getFirm",
                "parameters": [FIRM_ID],
                "responses": {**_ok("FirmDetail"), "404": _err("企业不存在或无权查看")},
            }
        },
        "/firms/{firm_id}/assessment": {
            "get": {
                "summary": "最新评估结果（各条件、得分区间与说明）",
                "operationId": "getAssessment",
                "parameters": [FIRM_ID],
                "responses": {**_ok("Assessment"), "404": _err("企业不存在、无权查看或尚无评估")},
            }
        },
        "/firms/{firm_id}/roadmap": {
            "get": {
                "summary": "培育路线图及里程碑",
                "operationId": "getRoadmap",
                "parameters": [FIRM_ID],
                "responses": {**_ok("Roadmap"), "404": _err("企业不存在、无权查看或尚无路线图")},
            }
        },
        "/firms/{firm_id}/milestones/{milestone_id}": {
            "patch": {
                "summary": "更新里程碑：专员设置状态，企业用户填报进展",
                "operationId": "updateMilestone",
                "parameters": [
                    FIRM_ID,
                    {"name": "milestone_id", "in": "path", "required": True, "schema": ID},
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": False,
                                "anyOf": [{"required": ["status"]}, {"required": ["progress_note"]}],
                                "properties": {
                                    "status": {
                                        "type": "string",
                                        "enum": list(MILESTONE_STATUSES),
                                        "description": "仅专员/管理员",
                                    },
                                    "evidence_note": {
                                        "type": "string",
                                        "maxLength": 2000,
                                        "pattern": NO_CONTROL,
                                        "description": "仅专员/管理员",
                                    },
                                    "progress_note": {
                                        "type": "string",
                                        "minLength": 1,
                                        "maxLength": 2000,
                                        "pattern": NO_CONTROL,
                                        "allOf": [{"pattern": "\\S"}],
                                        "description": "企业填报的进展说明（不能全是空白，不含控制字符）",
                                    },
                                    "version": {
                                        "type": "integer",
                                        "minimum": 0,
                                        "maximum": 2**31 - 1,
                                        "description": "读取里程碑时返回的 version；里程碑已被他人修改时返回 409，不写入任何内容",
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    **_ok("Milestone"),
                    "403": _err("企业用户不能修改状态"),
                    "404": _err("企业或里程碑不存在，或无权查看"),
                    "409": _err(
                        "里程碑已在重新生成时被取代，或在读取后已被他人修改（消息说明原因、改了什么、由谁修改）；未写入任何内容"
                    ),
                    "422": _err("请求体无效（消息中指明字段名）"),
                },
            }
        },
        "/goals": {
            "get": {
                "summary": "目标与预测：有效高企、科小、目标、漏斗、达标分布、批次、趋势、预测",
                "operationId": "getGoals",
                "parameters": [COUNTY, TOWN],
                "responses": {
                    **_ok("Goals"),
                    "404": _err("企业用户无此统计，或县区不存在/不在本人范围"),
                    "422": _err("参数无效"),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "本文档",
                "operationId": "getOpenapi",
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 文档",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    },
    "components": {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "个人访问令牌：登录后在“我的账号”页面（/account/，点击右上角自己的名字）的“API 令牌”中创建，只显示一次；可随时撤销",
            }
        },
        "responses": {"Unauthorized": _err("缺少、无效或已撤销的访问令牌")},
        "schemas": {
            "Error": ERROR,
            "Firm": FIRM,
            "FirmDetail": FIRM_DETAIL,
            "FirmPage": {
                "type": "object",
                "required": ["items", "page", "per_page", "total", "pages"],
                "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Firm"}},
                    "page": INT,
                    "per_page": INT,
                    "total": INT,
                    "pages": INT,
                },
            },
            "Assessment": {
                "type": "object",
                "required": ["firm_id", "verdict", "score_min", "score_max", "result"],
                "properties": {
                    "firm_id": INT,
                    "rules_version": STR,
                    "assessed_at": STR,
                    "application_date": DATE,
                    "verdict": VERDICT,
                    "score_min": INT,
                    "score_max": INT,
                    "tsme_eligible": _nullable({"type": "boolean"}),
                    "result": {"type": "object", "description": "评估引擎输出（assess-io 约定）"},
                },
            },
            "Milestone": MILESTONE,
            "Roadmap": {
                "type": "object",
                "required": ["firm_id", "milestones"],
                "properties": {
                    "firm_id": INT,
                    "target_batch": _nullable(STR),
                    "target_cutoff": _nullable(DATE),
                    "target_year": _nullable(INT),
                    "projected_min": _nullable(INT),
                    "projected_max": _nullable(INT),
                    "generated_for": DATE,
                    "rules_version": STR,
                    "calendar_version": STR,
                    "milestones": {"type": "array", "items": {"$ref": "#/components/schemas/Milestone"}},
                },
            },
            "YearForecast": YEAR_FC,
            "Goals": {
                "type": "object",
                "required": [
                    "today",
                    "scope",
                    "active",
                    "tsme",
                    "target",
                    "funnel",
                    "readiness",
                    "batches",
                    "trend",
                    "forecast",
                ],
                "properties": {
                    "today": DATE,
                    "scope": {
                        "type": "object",
                        "properties": {"county_id": _nullable(INT), "label": STR, "town_id": _nullable(INT)},
                    },
                    "active": INT,
                    "tsme": INT,
                    "pool": INT,
                    "target": _nullable(
                        {
                            "type": "object",
                            "properties": {"year": INT, "hnte": INT, "tsme": INT, "plan": _nullable(STR)},
                        }
                    ),
                    "targets": {"type": "array", "items": {"type": "object"}},
                    "expiring_total": INT,
                    "expiring": {"type": "array", "items": {"type": "object"}},
                    "recert": {"type": "object", "additionalProperties": INT},
                    "funnel": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"stage": STR, "label": STR, "firms": INT}},
                    },
                    "readiness": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"verdict": STR, "label": STR, "firms": INT},
                        },
                    },
                    "league": {"type": "array", "items": {"type": "object"}},
                    "batches": {"type": "array", "items": {"type": "object"}},
                    "trend": {"type": "array", "items": {"type": "object"}},
                    "forecast": {
                        "type": "object",
                        "required": ["years", "assumptions"],
                        "properties": {
                            "active_today": INT,
                            "years": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/YearForecast"},
                            },
                            "batches": {"type": "array", "items": {"type": "object"}},
                            "assumptions": {
                                "type": "array",
                                "items": {"type": "object", "properties": {"key": STR, "text": STR}},
                            },
                            "scenarios": {"type": "object"},
                        },
                    },
                },
            },
        },
    },
}


# POST is accepted as well as PATCH (clients and proxies that cannot send PATCH).
_patch = SPEC["paths"]["/firms/{firm_id}/milestones/{milestone_id}"]["patch"]
SPEC["paths"]["/firms/{firm_id}/milestones/{milestone_id}"]["post"] = {
    **_patch,
    "operationId": "updateMilestonePost",
    "summary": _patch["summary"] + "（POST 等同 PATCH）",
}
