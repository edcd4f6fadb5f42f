"""Chinese data labels (stage, level, IP kind, ... names kept in Chinese in the models) for the English UI.

The models keep their Chinese labels; pages translate them when rendering with the ``tl`` filter
(``{{ firm.stage_label|tl }}``) or ``tl()`` in Python. The msgid is the Chinese label itself: the zh
catalog maps it to itself, the en catalog holds the English. ``N_`` only marks the strings for
``pybabel extract``; tests/web/test_i18n.py checks this list covers every label dict.
"""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext


def N_(s: str) -> str:  # noqa: N802  (the conventional name pybabel looks for)
    return s


def tl(label):
    """A Chinese data label in the current UI language (unknown labels and empty values pass through)."""
    if not label or not isinstance(label, str):
        return label
    return gettext(label)


def ltl(label: str):
    """The lazy form of ``tl`` for form choices built at import time."""
    return lazy_gettext(label)


DATA_LABELS = (
    N_("候选"),
    N_("入库培育"),
    N_("辅导中"),
    N_("拟申报"),
    N_("已申报"),
    N_("已认定"),
    N_("未通过"),
    N_("退库"),
    N_("市级"),
    N_("省级"),
    N_("发明专利"),
    N_("植物新品种"),
    N_("国家级农作物品种"),
    N_("国家新药"),
    N_("国家一级中药保护品种"),
    N_("集成电路布图设计专有权"),
    N_("实用新型专利"),
    N_("外观设计专利"),
    N_("软件著作权"),
    N_("已申请"),
    N_("已授权"),
    N_("自主研发"),
    N_("受让/受赠/并购"),
    N_("研发组织管理制度"),
    N_("研发投入核算体系"),
    N_("研发费用辅助账"),
    N_("内部研发机构"),
    N_("产学研合作"),
    N_("成果转化组织实施与激励奖励制度"),
    N_("创新创业平台"),
    N_("科技人员培训制度"),
    N_("培养与技能提升"),
    N_("人才引进制度"),
    N_("科技人员绩效评价奖励制度"),
    N_("自行投资实施转化"),
    N_("向他人转让"),
    N_("许可他人使用"),
    N_("合作实施"),
    N_("作价投资"),
    N_("其他协商方式"),
    N_("重大安全事故"),
    N_("重大质量事故"),
    N_("严重环境违法行为"),
    N_("高"),
    N_("较高"),
    N_("一般"),
    N_("较低"),
    N_("无"),
    N_("待办"),
    N_("进行中"),
    N_("已完成"),
    N_("已免除"),
    N_("企业"),
    N_("专员"),
    N_("市级管理员"),
    N_("县区专员"),
    N_("企业用户"),
    N_("达标"),
    N_("临界"),
    N_("未达标"),
    N_("数据不全"),
    N_("植物新品种权"),
    N_("注册满一年"),
    N_("拥有核心知识产权"),
    N_("属于重点支持技术领域"),
    N_("科技人员占比"),
    N_("研发费用占比"),
    N_("境内研发费用占比"),
    N_("高新技术收入占比"),
    N_("创新能力评价≥71分"),
    N_("无重大安全质量事故及环境违法"),
    N_("本年度未被撤销资格"),
    N_("满足"),
    N_("不满足"),
    N_("待定"),
    N_("缺数据"),
    N_("知识产权（合计）"),
    N_("· 技术先进程度"),
    N_("· 参与标准制定"),
    N_("· 获得方式"),
    N_("· 知识产权数量"),
    N_("· 核心支持作用"),
    N_("科技成果转化能力"),
    N_("研究开发组织管理水平"),
    N_("净资产增长率"),
    N_("销售收入增长率"),
    N_("科技人员"),
    N_("研发投入"),
    N_("科技成果"),
    N_("技术先进程度"),
    N_("核心支持作用"),
    N_("知识产权数量"),
    N_("获得方式"),
    N_("参与标准制定"),
    N_("研发管理"),
    N_("科技型中小企业"),
    N_("有"),
    N_("里程碑即将到期"),
    N_("里程碑已逾期"),
    N_("申报批次即将截止"),
    N_("高企年报"),
    N_("高企证书即将到期"),
    N_("科技型中小企业年度更新"),
    N_("上年度数据未填报"),
    N_("阶段停留过久"),
    N_("每周待办汇总"),
    N_("里程碑到期前提醒（天）"),
    N_("申报批次截止前提醒（天）"),
    N_("高企年报截止（月-日）"),
    N_("高企年报开始提醒（月-日）"),
    N_("证书到期前提醒（月）"),
    N_("科技型中小企业年度更新截止（月-日）"),
    N_("科技型中小企业年度更新开始提醒（月-日）"),
    N_("上年度数据缺失开始提醒（月-日）"),
    N_("阶段停留超过（天）提醒"),
    N_("站内通知"),
    N_("电子邮件"),
    N_("群机器人"),
    N_("待发送"),
    N_("已发送"),
    N_("失败重试中"),
    N_("已放弃"),
    N_("全市"),
    N_("可申报"),
    N_("若所有“临界”企业补齐短板"),
    N_("若研发投入计划推迟一年"),
    N_("未评估"),
    N_("已安排到期当年重新申报"),
    N_("计划到期后再申报（将中断）"),
    N_("未安排重新申报"),
    N_("县区全部企业路线图（压缩包）"),
    N_("县区工作简报"),
    N_("全市工作简报"),
    N_("排队中"),
    N_("失败"),
    # Excel import/export column headers (the import preview names the column of each error)
    N_("统一社会信用代码"),
    N_("企业名称"),
    N_("县区"),
    N_("注册日期"),
    N_("技术领域代码"),
    N_("行业"),
    N_("阶段"),
    N_("入库级别"),
    N_("联系人"),
    N_("联系电话"),
    N_("联系邮箱"),
    N_("地址"),
    N_("高企证书编号"),
    N_("发证日期"),
    N_("证书到期日"),
    N_("科小入库编号"),
    N_("备注"),
)


def join_errors(errors: dict, form=None) -> str:
    """A form's errors on one line for a flash message, in the current UI language.

    Messages of one field are joined with "、" (", " in English), fields with "；" ("; "); with ``form``
    each field's messages follow its label ("label：messages").
    """
    parts = []
    for key, messages in errors.items():
        text = gettext(", ").join(map(str, messages))
        parts.append(gettext("%(label)s: %(errors)s", label=form[key].label.text, errors=text) if form is not None
                     else text)
    return gettext("; ").join(parts)
