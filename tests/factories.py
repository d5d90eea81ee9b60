import factory
from django.contrib.auth.models import Group

from marketplace.models import Listing, Seller, Shop
from platform_core.models import Role, User
from rightsholders.models import Brand, Membership, Organisation


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.BRAND
    password = factory.django.Password("correct horse battery staple")


class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seller

    external_id = factory.Sequence(lambda n: f"U-{n}")


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    external_id = factory.Sequence(lambda n: f"S-{n}")
    name = factory.Sequence(lambda n: f"Shop {n}")
    seller = factory.SubFactory(SellerFactory)


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    external_id = factory.Sequence(lambda n: f"L-{n}")
    shop = factory.SubFactory(ShopFactory)
    title = "Leather tote bag"
    price = "129.00"
    currency = "CNY"


def organisation_with_admin(*, name: str, admin: User, status: str = "pending") -> Organisation:
    """An organisation the way services create one, without going through the API."""
    from rightsholders import services

    org = services.organisation_create(user=admin, name=name, country="DE")
    if status != "pending":
        Organisation.objects.filter(pk=org.pk).update(status=status)
        org.refresh_from_db()
    return org


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand{n}")
    aliases = factory.LazyFunction(list)


__all__ = [
    "BrandFactory",
    "Group",
    "ListingFactory",
    "Membership",
    "SellerFactory",
    "ShopFactory",
    "UserFactory",
    "organisation_with_admin",
]
