"""The error every trainer raises for a configuration that cannot run."""


class ConfigError(ValueError):
    """A configuration that cannot run; the message says what to change."""
