"""The lateness ranking (/units/lateness): over every directive whose tree reaches the
account's unit, which units below it are most often late with their reports."""
