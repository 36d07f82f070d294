from django.core.management.base import BaseCommand

from fangyi.healthpass.services import signing_key_create


class Command(BaseCommand):
    help = (
        "Start signing passes with a new key. The old key stays in the published key set until every "
        "pass it signed has expired, so gates keep verifying through the rotation."
    )

    def handle(self, *args: object, **options: object) -> None:
        key = signing_key_create()
        self.stdout.write(f"passes are now signed with key {key.kid}")
