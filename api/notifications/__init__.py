"""Each person's in-app notifications: deadline reminders, breaches and escalations."""
