"""Customer care after the repair: callbacks (回访), complaints (投诉) and care reminders."""
