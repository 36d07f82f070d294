from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangyi.accounts.choices import Role
from fangyi.accounts.roles import CAPABILITIES
from fangyi.regions.models import Region

PROVINCE_PATH = "43"


class User(AbstractUser):
    """A person who signs in. Residents link to their `people.Person` through `person_id`."""

    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    phone = models.CharField(_("work phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    def prefixes_for(self, capability: str) -> tuple[str, ...]:
        if not self.is_active:
            return ()
        if self.is_superuser:
            return (PROVINCE_PATH,)
        cache = self.__dict__.setdefault("_prefix_cache", {})
        if capability not in cache:
            paths = {
                assignment.region_id
                for assignment in self._assignments()
                if capability in CAPABILITIES.get(assignment.role, ())
            }
            # A prefix already covered by a shorter one adds nothing.
            cache[capability] = tuple(
                sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths))
            )
        return cache[capability]

    def _assignments(self) -> list["RoleAssignment"]:
        if "_assignment_cache" not in self.__dict__:
            self.__dict__["_assignment_cache"] = list(self.role_assignments.all())
        return self.__dict__["_assignment_cache"]


class RoleAssignment(models.Model):
    """A role held at a region: the region bounds what the role may see and do."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region"], name="role_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.region}"


class ApiToken(models.Model):
    """A bearer token for the API. Only a hash is stored; the secret is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=64)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginFailure(models.Model):
    """A failed sign-in, kept for throttling. Shared by every web process through the database."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.CharField(max_length=45, db_index=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip_address}"
