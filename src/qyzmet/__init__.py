"""qyzmet: an open-source, self-hostable e-government platform."""

__version__ = "0.1.0"
