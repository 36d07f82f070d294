"""Consumption vouchers (湘消费) at /api/v1/vouchers."""

from ninja import Router

router = Router(tags=["vouchers"])
