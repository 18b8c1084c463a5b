"""The sandbox chat page: a browser stand-in for a Webex client, talking to the emulator over HTTP."""

from bot.sandbox.page.guard import TOKEN_HEADER, guard_of, is_loopback, serve_page
from bot.sandbox.page.meetings import SANDBOX_RECAP_DEADLINE, SANDBOX_RECAP_DELAY
from bot.sandbox.page.renderer_install import fetch_renderer
from bot.sandbox.page.scripts import RendererSources
from bot.sandbox.page.views import create_page_app

__all__ = ["RendererSources", "SANDBOX_RECAP_DEADLINE", "SANDBOX_RECAP_DELAY", "TOKEN_HEADER", "create_page_app",
           "fetch_renderer", "guard_of", "is_loopback", "serve_page"]
