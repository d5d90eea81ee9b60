"""Deployment check (``manage.py check --deploy``): production sets its own
secret key for seller contacts' hashes."""

import os

from django.conf import settings
from django.core.checks import Error, Tags, register

MIN_KEY_LENGTH = 32


@register(Tags.security, deploy=True)
def contact_hash_key(app_configs, **kwargs):
    # Without its own key the contact hashes hang on DJANGO_SECRET_KEY: fine on
    # a laptop, but rotating that key would silently unlink every seller.
    if not os.environ.get("CONTACT_HASH_KEY"):
        return [
            Error(
                "CONTACT_HASH_KEY is not set: seller contacts are hashed under a key "
                "derived from DJANGO_SECRET_KEY, which is for development only.",
                hint="Set CONTACT_HASH_KEY to a long random secret (python -c 'import "
                "secrets; print(secrets.token_hex(32))') and never change it.",
                id="networks.E001",
            )
        ]
    if len(settings.CONTACT_HASH_KEY) < MIN_KEY_LENGTH:
        return [
            Error(
                f"CONTACT_HASH_KEY is shorter than {MIN_KEY_LENGTH} characters: a short key "
                "lets anyone holding the database test guessed phone numbers.",
                hint="Use python -c 'import secrets; print(secrets.token_hex(32))'.",
                id="networks.E002",
            )
        ]
    return []
