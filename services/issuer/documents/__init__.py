"""Reading directive documents (.txt, .md, .docx, .pdf) the way a clerk does: the header,
the basis, the addressees and recipients, the deadlines, the signer, and what could not
be read, in plain words."""
