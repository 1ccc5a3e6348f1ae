"""The báo cáo tổng hợp as documents: ``report.py`` writes it (the Vietnamese text, in the
administrative format of the level that sends it) as a small document model, and each
renderer turns that model into a format: Markdown, HTML, .docx."""
