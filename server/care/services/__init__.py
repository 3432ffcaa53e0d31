"""The rules of customer care: callbacks after each visit, complaints and their close-out, reminders and care
tasks, and who sees which."""
