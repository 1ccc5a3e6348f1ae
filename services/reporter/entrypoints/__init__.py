"""How people and events reach the reporter.

- ``public``: what a unit reaches through the signed link a mail gives it (``/r/{token}``:
  its report's form, the form's post (the report sent, or kept unsent: "Lưu nháp"), the
  receipt). The only routes an Ingress needs to publish to the units. ``link_refusals``:
  what such a link answers when it opens nothing (expired, revoked, the directive
  recalled or replaced, the unit taken off by a correction).
- ``http``: what the committee's staff use: the API (``/api/submissions...``, the review),
  the page that shows a unit's report with every version and takes the review
  (``/reports/...``), and the files attached to a version (``/files/...``, linked from that
  page and from the unit's receipt). The routes the next issue guards.
- ``messages``: the events the reporter consumes (a directive issued, a synthesis
  approved).
- ``pages``: what the two sets of pages share (templates, how values and files show).
"""
