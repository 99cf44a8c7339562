"""newsdesk.toml -> Settings: defaults, sources, precedence, and errors that name key and line."""
from pathlib import Path

import pytest

from pipeline.config import EXAMPLE, load_settings
from pipeline.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "newsdesk.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_without_a_file(tmp_path):
    s = load_settings(None, env={}, cwd=tmp_path)
    assert [(x.name, x.path) for x in s.sources] == [("seeds", tmp_path / "seeds")]
    assert s.outbox == tmp_path / "outbox"
    assert s.state_dir == tmp_path / ".newsdesk"
    assert s.top_n == 10 and s.max_age_hours == 48


def test_sources_paths_relative_to_the_file(tmp_path):
    cfg = write(tmp_path, '[[sources]]\nname = "A"\nurl = "https://a.example/feed"\nweight = 2\n'
                          'tags = ["x"]\n\n[[sources]]\nname = "B"\npath = "feeds/b.xml"\n')
    s = load_settings(cfg, env={}, cwd=Path("/"))
    a, b = s.sources
    assert (a.url, a.weight, a.tags) == ("https://a.example/feed", 2.0, ("x",))
    assert b.path == tmp_path / "feeds" / "b.xml" and b.url is None


def test_precedence_file_then_env_then_flags(tmp_path):
    cfg = write(tmp_path, 'top_n = 5\noutbox = "out-file"\n')
    assert load_settings(cfg, env={}).top_n == 5
    s = load_settings(cfg, env={"NEWSDESK_TOP_N": "7", "NEWSDESK_OUTBOX": "/tmp/out-env"})
    assert s.top_n == 7 and s.outbox == Path("/tmp/out-env")
    s = load_settings(cfg, env={"NEWSDESK_TOP_N": "7"}, overrides={"top_n": 3})
    assert s.top_n == 3


def test_config_from_environment_variable(tmp_path):
    cfg = write(tmp_path, 'title = "From env"\n')
    assert load_settings(None, env={"NEWSDESK_CONFIG": str(cfg)}).title == "From env"


def test_example_config_loads(tmp_path):
    s = load_settings(write(tmp_path, EXAMPLE), env={})
    assert s.title == "Morning digest" and s.sources[0].path == tmp_path / "seeds"


BAD = [
    ("wrong-type", 'title = "x"\ntop_n = "ten"\n', "top_n", 2),
    ("unknown-key", 'title = "x"\n\ncolour = "red"\n', "colour", 3),
    ("source-no-location", '[[sources]]\nname = "A"\n', "url", 1),
    ("source-both", '[[sources]]\nname = "A"\nurl = "https://a.example"\npath = "x"\n', "url", 1),
    ("source-bad-url", '[[sources]]\nname = "A"\nurl = "ftp://a.example"\n', "url", 3),
    ("source-unknown-key", '[[sources]]\nname = "A"\nurl = "https://a.example"\nwieght = 2\n', "wieght", 4),
    ("second-source-bad-weight", '[[sources]]\nname = "A"\nurl = "https://a.example"\n\n'
     '[[sources]]\nname = "B"\nurl = "https://b.example"\nweight = "heavy"\n', "weight", 8),
    ("bad-regex", 'include = ["(unclosed"]\n', "include", 1),
    ("bad-time", '[schedule]\nat = "7am"\n', "at", 2),
    ("bad-timezone", '[schedule]\ntimezone = "Mars/Olympus"\n', "time zone", 2),
    ("bad-network", 'networks = ["myspace"]\n', "myspace", 1),
]


@pytest.mark.parametrize("text,key,line", [(t, k, l) for _, t, k, l in BAD], ids=[n for n, *_ in BAD])
def test_errors_name_the_key_and_line(tmp_path, text, key, line):
    cfg = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_settings(cfg, env={})
    msg = str(e.value)
    assert key in msg
    assert f"{cfg}:{line}" in msg


def test_invalid_toml_names_the_file_and_line(tmp_path):
    cfg = write(tmp_path, 'title = "x"\ntop_n = = 3\n')
    with pytest.raises(ConfigError, match=r"newsdesk.toml: invalid TOML: .*line 2"):
        load_settings(cfg, env={})


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", env={})


def test_settings_are_frozen(tmp_path):
    s = load_settings(None, env={}, cwd=tmp_path)
    with pytest.raises(Exception):
        s.top_n = 3  # type: ignore[misc]


# --- delivery ([delivery.*], [schedule] deliver) ------------------------------------------------

DELIVERY = '''\
[schedule]
deliver = true

[delivery.email]
smtp_host = "smtp.example.org"
smtp_port = 465
security = "ssl"
username = "digest@example.org"
password_env = "MY_SMTP_PASSWORD"

[delivery.mastodon]
base_url = "https://mastodon.example/"
token_file = "secrets/mastodon-token"

[delivery.bluesky]
handle = "newsdesk.example.org"
'''


def test_delivery_tables(tmp_path):
    from pipeline.config import BlueskyDelivery, EmailDelivery, MastodonDelivery

    s = load_settings(write(tmp_path, DELIVERY), env={})
    assert s.schedule_deliver is True
    assert s.delivery_email == EmailDelivery(smtp_host="smtp.example.org", smtp_port=465, security="ssl",
                                             username="digest@example.org", password_env="MY_SMTP_PASSWORD")
    assert s.delivery_mastodon == MastodonDelivery(base_url="https://mastodon.example", token_env=None,
                                                   token_file=tmp_path / "secrets" / "mastodon-token")
    assert s.delivery_bluesky == BlueskyDelivery(handle="newsdesk.example.org")
    assert s.delivery_bluesky.service == "https://bsky.social"
    import json
    assert json.loads(json.dumps(s.to_json()))["delivery_email"]["password_env"] == "MY_SMTP_PASSWORD"


def test_delivery_is_off_and_unconfigured_by_default(tmp_path):
    s = load_settings(None, env={}, cwd=tmp_path)
    assert (s.schedule_deliver, s.delivery_email, s.delivery_mastodon, s.delivery_bluesky) == (
        False, None, None, None)


@pytest.mark.parametrize("text,line,words", [
    ('[delivery.email]\nsmtp_host = "h"\nsecurity = "tls"\n', 3, ["security", "starttls, ssl, none"]),
    ('[delivery.email]\nsmtp_port = 25\n', 1, ["needs 'smtp_host'"]),
    ('[delivery.email]\nsmtp_host = "h"\npasword_env = "X"\n', 3, ["unknown key 'pasword_env'"]),
    ('[delivery.mastodon]\nbase_url = "mastodon.social"\n', 2, ["base_url", "http(s) URL"]),
    ('[delivery.fax]\nnumber = "1"\n', 1, ["unknown table [delivery.fax]"]),
    ('[delivery.bluesky]\nhandle = "a"\ntimeout = "slow"\n', 3, ["timeout", "must be int or float"]),
    ('[schedule]\ndeliver = "yes"\n', 2, ["deliver", "must be bool"]),
    ('[delivery.email]\nsmtp_host = "h"\ntimeout = 5\n[delivery.mastodon]\nbase_url = "https://m.example"\n'
     'timeout = "x"\n', 6, ["timeout"]),                # the line in its own table, not the first
])
def test_delivery_mistakes_name_file_line_and_key(tmp_path, text, line, words):
    cfg = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_settings(cfg, env={})
    msg = str(e.value)
    assert msg.startswith(f"{cfg}:{line}:" if line else str(cfg)), msg
    for w in words:
        assert w in msg


def test_the_top_level_timezone_is_not_overridden_by_the_schedule_table(tmp_path):
    """Issue 25: `timezone` at the top level lost to `[schedule] timezone = "UTC"` as `init` wrote it."""
    cfg = tmp_path / "newsdesk.toml"
    cfg.write_text('timezone = "Europe/Berlin"\n[schedule]\nat = "07:00"\ntimezone = "UTC"\n', encoding="utf-8")
    assert load_settings(cfg, env={}).timezone == "Europe/Berlin"
    cfg.write_text('[schedule]\ntimezone = "Asia/Tokyo"\n', encoding="utf-8")
    assert load_settings(cfg, env={}).timezone == "Asia/Tokyo"
    init = tmp_path / "init.toml"
    init.write_text('timezone = "Europe/Berlin"\n' + EXAMPLE, encoding="utf-8")   # what `init` writes, edited
    assert load_settings(init, env={}).timezone == "Europe/Berlin"


# ---------------------------------------------------------------- the newsletter's keys (issue 26)

def test_newsletter_keys_and_their_defaults(tmp_path):
    s = load_settings(None, env={}, cwd=tmp_path)
    assert (s.postal_address, s.permission_reminder, s.images) == (None, None, True)
    assert (s.archive, s.archive_site_url) == (tmp_path / "archive", None)
    cfg = write(tmp_path, 'postal_address = "1 High St\\nLeeds"\npermission_reminder = "Because."\n'
                          'images = false\n\n[archive]\npath = "public/digest"\nsite_url = "https://ex.example/digest"\n')
    s = load_settings(cfg, env={})
    assert (s.postal_address, s.permission_reminder, s.images) == ("1 High St\nLeeds", "Because.", False)
    assert s.archive == tmp_path / "public" / "digest"
    assert s.archive_site_url == "https://ex.example/digest/"      # one final "/", for site_url + edition
    assert s.to_json()["archive_site_url"] == "https://ex.example/digest/"


def test_an_empty_postal_address_is_not_an_absent_one(tmp_path):
    assert load_settings(write(tmp_path, 'postal_address = ""\n'), env={}).postal_address == ""
    assert load_settings(write(tmp_path, 'title = "T"\n'), env={}).postal_address is None


@pytest.mark.parametrize("text,words", [
    ('[archive]\nsite_url = "ftp://ex.example/"\n', ("site_url", ":2")),
    ('[archive]\nsite_url = "https://ex.example/?x=1"\n', ("site_url",)),
    ('[archive]\nfolder = "x"\n', ("unknown key 'folder'", "[archive]")),
    ('[archive]\npath = 3\n', ("path", "str")),
    ('archive = "x"\n', ("'archive' must be a table",)),
    ('images = "no"\n', ("images", "bool")),
    ('postal_address = 1\n', ("postal_address",)),
])
def test_newsletter_key_errors_name_the_key(tmp_path, text, words):
    with pytest.raises(ConfigError) as e:
        load_settings(write(tmp_path, text), env={})
    for w in words:
        assert w in str(e.value)
