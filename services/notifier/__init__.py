"""notifier: mails directives and assignments to units through the organisation's SMTP
server, at most once per (event, unit)."""
