from django.dispatch import Signal

# listing_ids: listings whose content changed and need intake and a scan; sent after commit.
listings_changed = Signal()
# listing_ids: listings whose current content was just taken in (photos fingerprinted)
# and scanned (risk fields written); sent after commit.
listings_scanned = Signal()
# listing_ids, status: listings whose marketplace status changed (delisted, restored, held).
listings_status_changed = Signal()
# seller_ids: sellers whose contact (kept as a keyed hash) changed; sent after commit.
sellers_changed = Signal()
