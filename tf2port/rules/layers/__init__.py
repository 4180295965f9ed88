"""Rules of one family; see tf2port/rules/__init__.py for the registry."""
