"""Where events reach the notifier: its FastStream subscribers (the notifier has no HTTP
routes besides the ops endpoints every service has)."""
