"""drugnorm-admin: migrations, dictionary loading and maintenance of a drugnorm database."""

__version__ = "0.10.0.dev0"
