"""The hospitals API: beds, admissions, treatment statistics, experts and consultations."""

from ninja import Router

router = Router(tags=["hospitals"])
