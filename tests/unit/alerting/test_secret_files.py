"""Alertmanager's ``*_file`` secrets (``smtp_auth_password_file``, ``api_url_file``) are read,
not ignored; one that cannot be read is a config problem with its line."""

from pathlib import Path

import pytest

from master.alerting import configfile
from master.alerts.config import AlertConfigError

CONFIG = """\
global:
  smtp_smarthost: smtp.example.com:587
  smtp_from: lookout@example.com
  smtp_auth_username: lookout@example.com
  smtp_auth_password_file: {password}
route:
  receiver: mail
receivers:
  - name: mail
    email_configs:
      - to: team@example.com
  - name: chat
    slack_configs:
      - api_url_file: {slack}
"""


def test_secrets_are_read_from_their_files_without_the_trailing_newline(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("s3cret-pass\n")
    (tmp_path / "slack").write_text("https://hooks.slack.com/services/T0/B0/X\n")
    text = CONFIG.format(password=tmp_path / "pw", slack=tmp_path / "slack")
    receivers = configfile.parse(text, source="a.yaml").receivers.by_name
    mail = receivers["mail"].config
    assert mail.password is not None  # type: ignore[attr-defined]
    assert mail.password.get_secret_value() == "s3cret-pass"  # type: ignore[attr-defined]
    chat = receivers["chat"].config
    assert chat.url.get_secret_value() == "https://hooks.slack.com/services/T0/B0/X"  # type: ignore[attr-defined]


def test_an_unreadable_secret_file_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "slack").write_text("https://hooks.slack.com/services/T0/B0/X")
    text = CONFIG.format(password=tmp_path / "missing", slack=tmp_path / "slack")
    with pytest.raises(AlertConfigError, match=r"a\.yaml:11: receivers\[0\]\.email_configs\[0\]: "
                       r"cannot read the secret file .*missing"):  # fmt: skip
        configfile.parse(text, source="a.yaml")
