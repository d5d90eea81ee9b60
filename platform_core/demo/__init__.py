"""Demo data: deterministic generators used by ``manage.py seed_demo``."""
