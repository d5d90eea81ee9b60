"""Use cases about the signed-in person themselves, shared by portal and console."""

from django.conf import settings


def supported_language(code: str | None) -> str | None:
    """``code`` if the platform speaks it, else ``None``."""
    return code if code in {c for c, _name in settings.LANGUAGES} else None


def user_language_set(*, user, language: str) -> bool:
    """Remember ``language`` as the user's own; an unknown code is ignored."""
    language = supported_language(language)
    if language is None or user.language == language:
        return False
    user.language = language
    user.save(update_fields=["language"])
    return True
