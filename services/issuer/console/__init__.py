"""The staff console's "issue from a document" pages: the document's text (read in a
child process with the parser's limits), the highlights of what was read, the view of a
draft, its templates and style sheet."""
