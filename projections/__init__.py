"""Read models and reports: pure functions of the event stream."""
