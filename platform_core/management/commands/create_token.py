from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from knox.models import AuthToken

from marketplace.models import Seller
from platform_core.models import Role, User


class Command(BaseCommand):
    help = (
        "Create USERNAME if it does not exist, give it ROLE and print a new API token "
        "(alone on the last line)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--seller",
            metavar="EXTERNAL_ID",
            help="link a seller user to the marketplace's seller of this id",
        )

    @transaction.atomic
    def handle(self, username, role, seller=None, **options):
        if seller and role != Role.SELLER:
            raise CommandError("--seller goes with --role seller.")
        user, created = User.objects.get_or_create(username=username, defaults={"role": role})
        if not created and user.role != role:
            user.role = role
        # Reviewers work in the admin console.
        user.is_staff = role == Role.REVIEWER
        user.save()
        if seller:
            record, _ = Seller.objects.get_or_create(external_id=seller)
            if record.user_id and record.user_id != user.pk:
                raise CommandError(f"Seller {seller} is already linked to another user.")
            record.user = user
            record.save(update_fields=["user"])
        _, token = AuthToken.objects.create(user=user)
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} user {username} with role {role}.")
        self.stdout.write(token)
