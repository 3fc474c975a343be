"""The domain: events, records and their rules, errors, and shared values. No I/O."""
