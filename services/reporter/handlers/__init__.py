"""The reporter's use cases, one function each, taking ``Deps`` first: a unit's report
(submissions), the parent's decision on it (reviews), reading a report (reading), and the
reports chidao files by itself (filings)."""
