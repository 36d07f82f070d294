"""Fangyi (防疫): a province's epidemic response and economic recovery platform."""

__version__ = "0.1.0"
