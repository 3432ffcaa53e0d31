"""In-app notifications: what was escalated to whom, jobs handed over, appointments today."""
