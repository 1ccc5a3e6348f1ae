"""reporter: takes the units' submissions, stamps time and timeliness, publishes them."""
