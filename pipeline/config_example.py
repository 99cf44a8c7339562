"""The commented newsdesk.toml that `newsdesk init` writes: every key pipeline.config reads, with
what it does (tests/test_config.py loads it as written)."""

EXAMPLE = '''\
# newsdesk.toml: the sources and settings of one newsletter.
# Paths are relative to this file. Environment variables NEWSDESK_OUTBOX, NEWSDESK_STATE_DIR,
# NEWSDESK_TOP_N and NEWSDESK_MAX_AGE_HOURS, and command-line flags, override what is here.

title = "Morning digest"          # the digest's name: subject line and folder slug
top_n = 10                        # stories in one digest
max_age_hours = 48                # a digest only considers items published this recently
# story_window_days = 7          # articles this close in time can join one story; older stories close
# outbox = "outbox"               # where drafts are written for review
# state_dir = ".newsdesk"         # SQLite state: seen articles, stories, feed health
# timezone = "Europe/Berlin"      # for dates shown in the digest
# language = "en"                 # the digest's language (default: that of most articles); a
#                                 # story told only in other languages is left out of it
# from = "Newsdesk <digest@example.org>"
# to = ["readers@example.org"]
# unsubscribe_url = "https://example.org/unsubscribe"
# reply_to = "Editors <editors@example.org>"
# postal_address = "Example News Ltd, 1 High Street, Leeds LS1 1AA, UK"   # the e-mail's footer;
#                                 # `deliver` sends to more than one reader only with it (or = "")
# permission_reminder = "You get this because you signed up at example.org."
# images = false                  # no lead images in the e-mail, web edition and link cards
# include = ["(?i)lupus|autoimmune"]   # keep only stories matching one of these
# exclude = ["(?i)sponsored"]          # drop items matching any of these
# networks = ["x", "bluesky", "mastodon", "threads", "linkedin"]
# [limits]
# mastodon = 500                  # your instance's limit

[schedule]
at = "07:00"                      # every day at this local time ...
# timezone = "UTC"                # ... in this IANA time zone (the top-level `timezone` wins)
# every_hours = 6                 # or every N hours instead of `at`
grace_hours = 6                   # a missed slot still runs if no later than this
# deliver = true                  # send what reviewers approved after each run (off by default)

# The web edition of each digest sent (or `newsdesk publish`ed), an index and an Atom feed.
# [archive]
# path = "archive"                # a static folder any web server can serve as it is
# site_url = "https://example.org/digest/"   # where it is served: absolute links, the feed,
#                                 # and "View in your browser" at the top of the e-mail

# Delivery (`newsdesk deliver`): secrets only from the environment (or a file named here).
# [delivery.email]
# smtp_host = "smtp.example.org"
# smtp_port = 587
# security = "starttls"           # or "ssl" (port 465) or "none"
# username = "digest@example.org"
# password_env = "NEWSDESK_SMTP_PASSWORD"
# [delivery.mastodon]
# base_url = "https://mastodon.social"
# token_env = "NEWSDESK_MASTODON_TOKEN"
# [delivery.bluesky]
# service = "https://bsky.social"
# handle = "newsdesk.example.org"
# app_password_env = "NEWSDESK_BLUESKY_APP_PASSWORD"

[[sources]]
name = "Sample articles"
path = "seeds"                    # a feed file, or a folder of feeds / .txt .md .html articles

# [[sources]]
# name = "Example feed"
# url = "https://example.org/feed.xml"
# weight = 1.5                    # counts more in ranking
# tags = ["science"]
'''
