"""Proactive insights: detectors over the business, the daily digest per user, its delivery."""
