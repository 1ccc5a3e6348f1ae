"""Who may do what: staff accounts and their roles (``roles``, ``accounts``), how a
request proves who it comes from (a session cookie: ``sessions``; an API token:
``tokens``; the operators' token), the principal it then acts as (``principal``), the
guard every staff route declares (``guard``), signing in (``login``: local accounts with
Argon2 hashes and throttling; ``oidc``: an OpenID provider), and the audit trail of every
state-changing action (``audit``)."""
