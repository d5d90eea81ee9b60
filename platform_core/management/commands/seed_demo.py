"""``manage.py seed_demo``: the demo world, written through the services so
that every rule and the audit trail apply, and safe to run again: whatever
exists is left alone, demo passwords are reset, nothing is duplicated.

The standard output is the block of demo logins alone (``bin/coguard up``
shows it in its banner); progress goes to standard error.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from marketplace.models import Listing, Seller
from marketplace.services import ImageInput, ListingInput, listings_upsert
from platform_core.demo import catalogue
from platform_core.demo.images import certificate_pdf, letter_scan
from platform_core.images import reencode
from platform_core.models import User
from rightsholders import services
from rightsholders.models import (
    Authorisation,
    Brand,
    FakeCharacteristic,
    Organisation,
    OrganisationStatus,
    ProductModel,
    ReferenceImage,
    Trademark,
)

BATCH = 100


class Command(BaseCommand):
    help = (
        "Load demo data (fictional brands, organisations, shops and ~300 listings) through "
        "the services, idempotently, and print one demo login per role."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        with transaction.atomic():
            users = self._users()
            for spec in catalogue.ORGANISATIONS:
                self._organisation(spec, users[spec.admin], users[catalogue.REVIEWER])
        created = self._listings(users["mika"])
        with transaction.atomic():
            self._link_seller(users["sven"])
        self.stderr.write(
            f"Demo data ready in {time.monotonic() - started:.1f}s: "
            f"{len(catalogue.ORGANISATIONS)} organisations, {len(catalogue.BRANDS)} brands, "
            f"{len(catalogue.SHOPS)} shops, {created} new listings "
            "(scanned once a Celery worker runs)."
        )
        self.stdout.write(self._logins())

    # --- People ---------------------------------------------------------------------

    def _users(self) -> dict[str, User]:
        users = {}
        for person in catalogue.PEOPLE:
            user, _ = User.objects.get_or_create(
                username=person.username,
                defaults={"role": person.role, "email": f"{person.username}@demo.coguard.test"},
            )
            user.role = person.role
            user.first_name = person.first_name
            user.is_staff = person.staff or user.is_superuser
            user.is_active = True
            user.set_password(catalogue.PASSWORD)
            user.save()
            users[person.username] = user
        return users

    def _link_seller(self, user: User) -> None:
        seller = Seller.objects.filter(external_id=catalogue.SELLER_EXTERNAL_ID).first()
        if seller is None or seller.user_id == user.pk:
            return
        if seller.user_id is None and not Seller.objects.filter(user=user).exists():
            seller.user = user
            seller.save(update_fields=["user"])
        else:
            self.stderr.write(
                f"Seller {seller.external_id} or user {user.username} is linked elsewhere; "
                "left as it is."
            )

    # --- Rights holders -------------------------------------------------------------------

    def _organisation(self, spec: catalogue.OrgSpec, admin: User, reviewer: User) -> None:
        org = Organisation.objects.filter(name=spec.name, memberships__user=admin).first()
        if org is None:
            org = services.organisation_create(
                user=admin, name=spec.name, country=spec.country, kind=spec.kind
            )
        for brand_spec in spec.brands:
            brand = self._brand(org, brand_spec, admin)
            self._credentials(org, brand, brand_spec, spec, admin)
            self._assets(brand, brand_spec, admin)
        org.refresh_from_db()
        # Only a fresh organisation is decided here: a reviewer's later
        # decision in the demo is never undone by a re-run.
        if spec.verify and org.status == OrganisationStatus.PENDING:
            services.organisation_decide(
                reviewer=reviewer,
                organisation=org,
                decision=OrganisationStatus.VERIFIED,
                reason="Demo data: certificates checked against the trademark registry.",
            )

    def _brand(self, org: Organisation, spec: catalogue.BrandSpec, admin: User) -> Brand:
        brand = Brand.objects.filter(organisation=org, name=spec.name).first()
        if brand is None:
            brand = services.brand_create(
                user=admin, organisation=org, name=spec.name, aliases=list(spec.aliases)
            )
        return brand

    def _credentials(self, org, brand, spec: catalogue.BrandSpec, org_spec, admin) -> None:
        today = timezone.localdate()
        holder = org_spec.principal or org_spec.name
        for number, jurisdiction, classes in spec.trademarks:
            if Trademark.objects.filter(
                organisation=org, jurisdiction=jurisdiction, registration_number=number
            ).exists():
                continue
            pdf = certificate_pdf(
                [
                    "Trademark Registration Certificate",
                    f"Registration No. {number} ({jurisdiction})",
                    f"Mark: {spec.name.upper()}",
                    f"Holder: {holder}",
                    "Classes: " + ", ".join(str(c) for c in classes),
                    "Demo document generated for CoGuard. Not a real registration.",
                ]
            )
            services.trademark_add(
                user=admin,
                organisation=org,
                brand=brand,
                registration_number=number,
                jurisdiction=jurisdiction,
                nice_classes=list(classes),
                expires_on=today + datetime.timedelta(days=5 * 365),
                certificate=SimpleUploadedFile(
                    f"{jurisdiction}-{number}.pdf", pdf, content_type="application/pdf"
                ),
            )
        if (
            org_spec.principal
            and not Authorisation.objects.filter(
                organisation=org, brand=brand, principal_name=org_spec.principal
            ).exists()
        ):
            letter = letter_scan(
                [
                    "Letter of Authorisation",
                    f"{org_spec.principal}, holder of the",
                    f"{spec.name.upper()} trademarks, authorises",
                    f"{org_spec.name}",
                    "to protect its rights on the marketplace.",
                    "Demo document. Not a real authorisation.",
                ],
                seed=7,
            )
            services.authorisation_add(
                user=admin,
                organisation=org,
                brand=brand,
                principal_name=org_spec.principal,
                letter=SimpleUploadedFile("authorisation.png", letter, content_type="image/png"),
                valid_until=today + datetime.timedelta(days=2 * 365),
            )

    def _assets(self, brand: Brand, spec: catalogue.BrandSpec, admin: User) -> None:
        models = []
        for model in spec.models:
            existing = ProductModel.objects.filter(brand=brand, model_number=model.number).first()
            models.append(
                existing
                or services.product_model_add(
                    user=admin,
                    brand=brand,
                    name=model.name,
                    model_number=model.number,
                    msrp=Decimal(model.msrp),
                    currency="CNY",
                )
            )
        self._reference(brand, admin, catalogue.brand_logo(spec), "logo", None)
        for model_index, photo in catalogue.official_photos(spec):
            self._reference(brand, admin, photo, "product", models[model_index])
        for keyword in spec.keywords:
            self._characteristic(brand, admin, FakeCharacteristic.Kind.KEYWORD, keyword, "")
        self._characteristic(
            brand, admin, FakeCharacteristic.Kind.PRICE_FLOOR, spec.price_floor, "CNY"
        )
        for shop_id in spec.authorised_shops:
            services.authorised_shop_add(user=admin, brand=brand, shop_external_id=shop_id)

    def _reference(self, brand, admin, content: bytes, kind: str, product_model) -> None:
        # The stored name carries the digest of the re-encoded bytes: that is
        # how an image already on file is recognised.
        digest = hashlib.sha256(reencode(content).content).hexdigest()[:16]
        if ReferenceImage.objects.filter(
            brand=brand, image__contains=f"{brand.pk}-{digest}"
        ).exists():
            return
        services.reference_image_add(
            user=admin, brand=brand, content=content, kind=kind, product_model=product_model
        )

    def _characteristic(self, brand, admin, kind: str, value: str, currency: str) -> None:
        if FakeCharacteristic.objects.filter(brand=brand, kind=kind, value=value).exists():
            return
        services.fake_characteristic_add(
            user=admin, brand=brand, kind=kind, value=value, currency=currency
        )

    # --- The marketplace ----------------------------------------------------------------

    def _listings(self, actor: User) -> int:
        specs = catalogue.listings()
        existing = set(
            Listing.objects.filter(external_id__in=[s.external_id for s in specs]).values_list(
                "external_id", flat=True
            )
        )
        missing = [spec for spec in specs if spec.external_id not in existing]
        for start in range(0, len(missing), BATCH):
            listings_upsert(
                items=[self._listing_input(spec) for spec in missing[start : start + BATCH]],
                actor=actor,
            )
        return len(missing)

    @staticmethod
    def _listing_input(spec: catalogue.ListingSpec) -> ListingInput:
        pictures = [catalogue.render_image(kind, args) for kind, args in spec.images]
        return ListingInput(
            external_id=spec.external_id,
            shop_external_id=spec.shop.external_id,
            shop_name=spec.shop.name,
            seller_external_id=spec.shop.seller,
            title=spec.title,
            description=spec.description,
            price=spec.price,
            currency=spec.currency,
            category=spec.category,
            images=[
                ImageInput(content=data, sha256=hashlib.sha256(data).hexdigest())
                for data in pictures
            ],
        )

    # --- The logins ---------------------------------------------------------------------

    @staticmethod
    def _logins() -> str:
        width = max(len("username"), *(len(p.username) for p in catalogue.PEOPLE))
        lines = [f"{'role':<12} {'username':<{width}}   {'password':<14} what to try"]
        for person in catalogue.PEOPLE:
            lines.append(
                f"{person.role:<12} {person.username:<{width}} / {catalogue.PASSWORD:<14} "
                f"{person.try_this}"
            )
        return "\n".join(lines)
