"""The human-readable words of notifications in English, Chinese and Japanese.

Small on purpose: only the frame around the alert data is translated. Kubernetes terms (Pod,
Deployment, namespace, CrashLoopBackOff, OOMKilled) and everything that comes from labels and
annotations stay as they are, because that is what people search for and paste into kubectl."""

from __future__ import annotations

from master.notify.message import Language

_EN: dict[str, str] = {
    "firing": "Firing",
    "resolved": "Resolved",
    "severity.critical": "Critical",
    "severity.warning": "Warning",
    "severity.info": "Info",
    "severity.none": "Unspecified",
    "severity": "Severity",
    "cluster": "Cluster",
    "namespace": "Namespace",
    "alerts": "Alerts",
    "count.firing": "{count} firing",
    "count.resolved": "{count} resolved",
    "summary.firing": "{title} — {count} firing",
    "summary.resolved": "{title} — resolved",
    "more": "…and {count} more not shown",
    "open": "Open in Lookout",
    "details": "Details",
    "since": "since {time}",
    "ended": "ended {time}",
    "test.title": "Lookout test notification",
    "test.body": "If you can read this, receiver {receiver} works.",
    "footer": "Sent by Lookout to receiver {receiver}.",
}

_ZH: dict[str, str] = {
    "firing": "告警中",
    "resolved": "已恢复",
    "severity.critical": "严重",
    "severity.warning": "警告",
    "severity.info": "信息",
    "severity.none": "未指定",
    "severity": "级别",
    "cluster": "集群",
    "namespace": "namespace",
    "alerts": "告警",
    "count.firing": "{count} 条告警中",
    "count.resolved": "{count} 条已恢复",
    "summary.firing": "{title} — {count} 条告警中",
    "summary.resolved": "{title} — 已恢复",
    "more": "……另有 {count} 条未显示",
    "open": "在 Lookout 中打开",
    "details": "详情",
    "since": "开始于 {time}",
    "ended": "结束于 {time}",
    "test.title": "Lookout 测试通知",
    "test.body": "收到此消息说明接收器 {receiver} 工作正常。",
    "footer": "由 Lookout 发送至接收器 {receiver}。",
}

_JA: dict[str, str] = {
    "firing": "発生中",
    "resolved": "解決済み",
    "severity.critical": "重大",
    "severity.warning": "警告",
    "severity.info": "情報",
    "severity.none": "未指定",
    "severity": "重要度",
    "cluster": "クラスター",
    "namespace": "namespace",
    "alerts": "アラート",
    "count.firing": "{count} 件発生中",
    "count.resolved": "{count} 件解決済み",
    "summary.firing": "{title} — {count} 件発生中",
    "summary.resolved": "{title} — 解決済み",
    "more": "…ほか {count} 件は表示されていません",
    "open": "Lookout で開く",
    "details": "詳細",
    "since": "{time} から",
    "ended": "{time} に終了",
    "test.title": "Lookout テスト通知",
    "test.body": "このメッセージが読めれば、レシーバー {receiver} は正常です。",
    "footer": "Lookout がレシーバー {receiver} に送信しました。",
}

CATALOGUES: dict[Language, dict[str, str]] = {"en": _EN, "zh": _ZH, "ja": _JA}


def text(language: Language, key: str, **values: object) -> str:
    """The phrase ``key`` in ``language`` with ``values`` filled in (English when a catalogue
    lacks it, so a missing translation degrades instead of failing a delivery)."""
    template = CATALOGUES.get(language, _EN).get(key) or _EN[key]
    return template.format(**values) if values else template
