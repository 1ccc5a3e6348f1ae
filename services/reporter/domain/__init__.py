"""The reporter's rules, without I/O: a unit's report on one requirement (report_thread),
what the report is checked against (requirements), and the refusals (refusals)."""
