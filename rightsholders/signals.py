"""Events other apps react to, so rights holders need not import them."""

from django.dispatch import Signal

# organisation, previous, actor, reason
organisation_status_changed = Signal()
# brand_id, actor — sent after commit
brand_assets_changed = Signal()
