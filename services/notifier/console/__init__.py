"""The notifier's pages in the staff console: a directive's mail timeline and resending
one unit its link (entrypoints/mails_page.py routes them; view.py shapes what they
show; templates/ draws it; mail/ holds the resend's own mail templates)."""
