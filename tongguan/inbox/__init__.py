"""In-app notifications: each user\x27s inbox."""
