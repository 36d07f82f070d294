import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.accounts.models import User
from fangyi.core.errors import DomainError
from fangyi.core.progress import ProgressLine
from fangyi.demo.clinical import clinical_seed
from fangyi.demo.services import ADMIN_USERNAME, DEFAULT_SEED


class Command(BaseCommand):
    help = (
        "Write the demo's fever clinics, labs and designated hospitals, the tests and hospital stays "
        "of 2020 consistent with the replayed cases, the expert groups, and today's clinic visits, "
        "samples and patients. Needs seed_demo and replay_hunan_2020 first; runs once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")

    def handle(self, *args: Any, **options: Any) -> None:
        admin = User.objects.filter(username=ADMIN_USERNAME).first()
        if admin is None:
            raise CommandError(_("Seed the demo first (fangyi seed-demo)."))
        started = time.monotonic()
        try:
            with ProgressLine(self.stderr, "testing") as bar:
                result = clinical_seed(
                    admin=admin,
                    expert_login=User.objects.filter(username="expert").first(),
                    seed=options["seed"],
                    progress=bar.update,
                )
        except DomainError as exc:
            raise CommandError(exc.render_message()) from exc
        if result.skipped:
            self.stdout.write(_("The testing and treatment scenario is already there; nothing added."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Testing and treatment ready in %(seconds).1f s: %(clinics)s fever clinics, %(labs)s "
                    "labs, %(hospitals)s designated hospitals, %(samples)s samples (%(positives)s "
                    "positive), %(admissions)s hospital stays, %(experts)s experts, %(consultations)s "
                    "consultations of 2020, %(now)s patients in hospital today."
                )
                % {
                    "seconds": time.monotonic() - started,
                    "clinics": result.clinics,
                    "labs": result.labs,
                    "hospitals": result.hospitals,
                    "samples": result.samples,
                    "positives": result.positives,
                    "admissions": result.admissions,
                    "experts": result.experts,
                    "consultations": result.consultations,
                    "now": result.patients_now,
                }
            )
        )
