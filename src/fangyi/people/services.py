import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fangyi.core import pii
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import PermissionDenied
from fangyi.core.services import audit_record
from fangyi.core.validators import mask_middle, normalize_phone, parse_id_number
from fangyi.people.errors import (
    PeopleError,
    duplicate_person,
    home_not_village,
    reason_required,
)
from fangyi.people.models import Person
from fangyi.people.selectors import person_get
from fangyi.regions.choices import Level
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import id_address_code_known, region_path


def person_register(
    *,
    actor: Actor | None,
    name: str,
    id_number: str,
    home_region: str,
    phone: str = "",
    address: str = "",
    synthetic: bool = False,
) -> Person:
    """Register a resident. Validates everything before writing; refuses duplicates by ID number.

    `actor=None` is the system (demo seeding); otherwise the actor needs people.manage at the home.
    """
    if actor is not None:
        # Authorise first, so that a refused actor learns nothing (not even that a number exists).
        require(actor, "people.manage")
        if not covers(actor, "people.manage", region_path(home_region)):
            raise region_not_found()
    person = person_build(name=name, id_number=id_number, home_region=home_region, phone=phone,
                          address=address, synthetic=synthetic)
    try:
        with transaction.atomic():
            person.save(force_insert=True)
            audit_record(actor=actor, action="person.register", obj=person,
                         region_path=person.home_region_id)
    except IntegrityError:
        raise duplicate_person() from None
    return person


def person_build(
    *, name: str, id_number: str, home_region: str, phone: str = "", address: str = "",
    synthetic: bool = False,
) -> Person:
    """Validate and encrypt into an unsaved Person (shared by registration and bulk import)."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise PeopleError("person.name_required", _("A name of 1 to 64 characters is required."),
                          field="name")
    number = parse_id_number(id_number, known_region=id_address_code_known)
    path = region_path(home_region)
    if len(path) != 12:
        raise home_not_village()
    if not Region.objects.filter(code=path, level=Level.VILLAGE).exists():
        raise region_not_found()
    fields: dict[str, Any] = {}
    if phone:
        mobile = normalize_phone(phone)
        fields = {
            "phone_encrypted": pii.encrypt(mobile),
            "phone_hash": pii.lookup_hash("phone", mobile),
            "phone_masked": mask_middle(mobile, keep_start=3, keep_end=4),
        }
    id_hash = pii.lookup_hash("id", number.value)
    if Person.objects.filter(id_number_hash=id_hash).exists():
        raise duplicate_person()
    return Person(
        name=name,
        sex=number.sex,
        birth_date=number.birth_date,
        id_number_encrypted=pii.encrypt(number.value),
        id_number_hash=id_hash,
        id_number_masked=number.masked,
        home_region_id=path,
        address=(address or "").strip()[:256],
        synthetic=synthetic,
        **fields,
    )


@transaction.atomic
def person_reveal_identity(*, actor: Actor, person_id: uuid.UUID | str, reason: str) -> dict[str, str]:
    """The full identity number and phone, for roles that may see them; always audited."""
    person = person_get(actor=actor, person_id=person_id)
    if not covers(actor, "people.reveal", person.home_region_id):
        raise PermissionDenied()
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise reason_required()
    audit_record(actor=actor, action="person.reveal", obj=person, region_path=person.home_region_id,
                 reason=reason)
    return {
        "id_number": pii.decrypt(person.id_number_encrypted),
        "phone": pii.decrypt(person.phone_encrypted) if person.phone_encrypted else "",
    }
