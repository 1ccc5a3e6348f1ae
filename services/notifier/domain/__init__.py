"""The notifier's rules, without I/O: what each mail says, which timers an assignment
gets, who a digest names, and what a batch of deliveries amounts to."""
