import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangyi.core.progress import ProgressLine
from fangyi.demo.jobs import jobs_seed
from fangyi.demo.services import DEFAULT_SEED
from fangyi.regions.choices import Level
from fangyi.regions.models import Region


class Command(BaseCommand):
    help = (
        "Write the demo's job matching: employers across the counties (the resumption enterprises "
        "among them), open job posts in Chinese, job seekers and the demo employer's hiring. Needs "
        "the regions; runs once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
        parser.add_argument("--posts", type=int, default=3000, help="job posts across the province")

    def handle(self, *args: Any, **options: Any) -> None:
        if not Region.objects.filter(level=Level.COUNTY).exists():
            raise CommandError(_("Load the regions first (fangyi load-regions)."))
        started = time.monotonic()
        with ProgressLine(self.stderr, "jobs") as bar:
            result = jobs_seed(seed=options["seed"], posts=options["posts"], progress=bar.update)
        if result.skipped:
            self.stdout.write(_("The job posts are already there; nothing added."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Job matching ready in %(seconds).1f s: %(employers)s employers (%(linked)s of them "
                    "resumption enterprises), %(posts)s open job posts, %(seekers)s job seekers and "
                    "%(applications)s applications (%(hires)s hired)."
                )
                % {
                    "seconds": time.monotonic() - started,
                    "employers": result.employers,
                    "linked": result.linked,
                    "posts": result.posts,
                    "seekers": result.seekers,
                    "applications": result.applications,
                    "hires": result.hires,
                }
            )
        )
