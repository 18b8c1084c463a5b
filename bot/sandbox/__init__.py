"""The offline Webex: an API emulator, its fixtures, and the sandbox chat page."""
