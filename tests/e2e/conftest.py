"""The browser tests' helpers (the fixtures themselves are in tests/browser.py,
shared by every browser test through the root conftest)."""
from __future__ import annotations

from tests.browser import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, Server, screenshot

__all__ = ["ARTIFACTS", "CHROMIUM", "LAUNCH_ARGS", "Server", "screenshot"]
