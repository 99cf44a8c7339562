"""A small tree of errors rooted at NewsdeskError; every error names the thing it is about."""


class NewsdeskError(Exception):
    """Base of every error Newsdesk raises on purpose."""


class ConfigError(NewsdeskError):
    """The configuration file or an override is wrong; the message names the key and line."""


class SourceReadError(NewsdeskError):
    """A file, folder or feed could not be read or parsed."""

    def __init__(self, origin: str, message: str):
        super().__init__(f"{origin}: {message}")
        self.origin = origin
        self.reason = message


class FetchError(SourceReadError):
    """An HTTP fetch failed (after its retries)."""

    def __init__(self, url: str, message: str, status: int | None = None):
        super().__init__(url, message)
        self.status = status


class StoreError(NewsdeskError):
    """The state store cannot be opened or written."""


class StoreUnwritable(StoreError):
    """The state store is not damaged but cannot be written: no room on its disk, or a read-only
    folder. A command that only reads may still read what it last committed."""


class OutboxError(NewsdeskError):
    """The outbox cannot be written, or a draft is not where the manifest says."""


class LockedError(NewsdeskError):
    """Another run holds the lock."""


class ReadOnlyError(NewsdeskError):
    """A folder Newsdesk must write in is read-only here (its permissions, a read-only mount):
    its lock file cannot be opened for writing, so nothing was written there."""
