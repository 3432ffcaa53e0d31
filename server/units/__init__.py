"""A unit by its serial, across domains: its sale, its warranty today, its claims and its jobs."""
