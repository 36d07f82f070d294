import os
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fangyi.core import pii
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import DomainError, PermissionDenied
from fangyi.core.models import AuditEvent, Job
from fangyi.core.services import audit_record, job_create, job_run_import
from fangyi.core.validators import mask_middle, normalize_phone, parse_id_number
from fangyi.people.errors import (
    PeopleError,
    duplicate_in_file,
    duplicate_person,
    home_not_village,
    reason_required,
)
from fangyi.people.imports import FIELDS as IMPORT_FIELDS
from fangyi.people.imports import ImportRow, check_size, rows_from_file
from fangyi.people.models import Person
from fangyi.people.selectors import person_get
from fangyi.regions.choices import Level
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import id_address_code_known, region_path

ProgressCallback = Callable[[int, int, str], None]


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
    person = person_build(
        name=name,
        id_number=id_number,
        home_region=home_region,
        phone=phone,
        address=address,
        synthetic=synthetic,
    )
    try:
        with transaction.atomic():
            person.save(force_insert=True)
            audit_record(actor=actor, action="person.register", obj=person, region_path=person.home_region_id)
    except IntegrityError:
        raise duplicate_person() from None
    return person


def person_build(
    *,
    name: str,
    id_number: str,
    home_region: str,
    phone: str = "",
    address: str = "",
    synthetic: bool = False,
) -> Person:
    """Validate and encrypt into an unsaved Person (shared by registration and bulk import)."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise PeopleError(
            "person.name_required", _("A name of 1 to 64 characters is required."), field="name"
        )
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
    audit_record(
        actor=actor, action="person.reveal", obj=person, region_path=person.home_region_id, reason=reason
    )
    return {
        "id_number": pii.decrypt(person.id_number_encrypted),
        "phone": pii.decrypt(person.phone_encrypted) if person.phone_encrypted else "",
    }


# Bulk import -------------------------------------------------------------------------------------

IMPORT_JOB_KIND = "people.import"
IMPORT_BATCH_SIZE = 1000


def people_import(
    *,
    actor: Actor,
    rows: Iterable[ImportRow],
    dry_run: bool,
    partial: bool = False,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Validate every row and register the residents in one transaction.

    Each bad row is reported with its line number and the error's code and message; rows repeating
    an identity number already in the file or already registered are errors too. Unless `partial`
    is asked for, one bad row means nothing is imported. `dry_run` validates and writes nothing.
    """
    require(actor, "people.manage")
    rows = list(rows)
    total = len(rows)
    errors: list[dict[str, Any]] = []
    valid: list[tuple[int, Person]] = []
    first_line_of: dict[str, int] = {}
    step = max(1, total // 100)
    for done, row in enumerate(rows, start=1):
        try:
            values = {key: row.values.get(key, "") for key in IMPORT_FIELDS}
            # Authorise before validating, so that a row outside the jurisdiction learns nothing.
            if not covers(actor, "people.manage", region_path(values["home_region"])):
                raise region_not_found()
            person = person_build(
                name=values["name"],
                id_number=values["id_number"],
                home_region=values["home_region"],
                phone=values["phone"],
                address=values["address"],
            )
            if person.id_number_hash in first_line_of:
                raise duplicate_in_file(first_line_of[person.id_number_hash])
            first_line_of[person.id_number_hash] = row.line
            valid.append((row.line, person))
        except DomainError as exc:
            errors.append(exc.as_row_error(row.line))
        if progress and (done % step == 0 or done == total):
            progress(done, total, "")
    imported = 0
    if not dry_run and valid and (partial or not errors):
        imported = _people_import_write(actor=actor, valid=valid, errors=errors, partial=partial)
    errors.sort(key=lambda error: error["line"])
    return {
        "total": total,
        "valid": total - len(errors),
        "invalid": len(errors),
        "imported": imported,
        "dry_run": dry_run,
        "partial": partial,
        "errors": errors,
    }


def _people_import_write(
    *, actor: Actor, valid: list[tuple[int, Person]], errors: list[dict[str, Any]], partial: bool
) -> int:
    """Insert the validated residents; rows registered meanwhile by someone else become errors."""
    with transaction.atomic():
        hashes = [person.id_number_hash for _, person in valid]
        taken: set[str] = set()
        for start in range(0, len(hashes), IMPORT_BATCH_SIZE):
            taken.update(
                Person.objects.filter(
                    id_number_hash__in=hashes[start : start + IMPORT_BATCH_SIZE]
                ).values_list("id_number_hash", flat=True)
            )
        if taken:
            errors.extend(
                duplicate_person().as_row_error(line)
                for line, person in valid
                if person.id_number_hash in taken
            )
            if not partial:
                return 0
        people = [person for _, person in valid if person.id_number_hash not in taken]
        Person.objects.bulk_create(people, batch_size=IMPORT_BATCH_SIZE)
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    actor_id=getattr(actor, "pk", None),
                    action="person.register",
                    object_type=Person._meta.label_lower,
                    object_id=str(person.pk),
                    region_path=person.home_region_id,
                    data={"via": "import"},
                )
                for person in people
            ],
            batch_size=IMPORT_BATCH_SIZE,
        )
    return len(people)


def _common_region_path(paths: Iterable[str]) -> str:
    """The deepest region path above all of `paths` (43 when they share only the province)."""
    paths = list(paths)
    prefix = paths[0] if paths else ""
    for path in paths[1:]:
        while not path.startswith(prefix):
            prefix = prefix[:-1]
    lengths = [n for n in (12, 9, 6, 4, 2) if n <= len(prefix)]
    return prefix[: lengths[0]] if lengths else ""


def people_import_submit(
    *, actor: Actor, file_name: str, content: bytes, dry_run: bool, partial: bool = False
) -> Job:
    """Keep the uploaded file on a new job and queue the import for the worker."""
    require(actor, "people.manage")
    check_size(content)
    job = job_create(
        actor=actor,
        kind=IMPORT_JOB_KIND,
        region_path=_common_region_path(actor.prefixes_for("people.manage")),
        capability="people.view",
        params={"dry_run": bool(dry_run), "partial": bool(partial)},
        input_name=os.path.basename(file_name or "upload"),
        input_data=content,
    )
    from fangyi.people.tasks import people_import_task

    transaction.on_commit(lambda: people_import_task.enqueue(str(job.pk)))
    return job


def people_import_run(*, job_id: Any) -> Job | None:
    """The worker's side of a resident import (see core.services.job_run_import)."""
    return job_run_import(
        job_id=job_id,
        read_rows=lambda name, content: rows_from_file(name=name, content=content),
        run=lambda actor, params, rows, progress: people_import(
            actor=actor,
            rows=rows,
            dry_run=bool(params.get("dry_run")),
            partial=bool(params.get("partial")),
            progress=progress,
        ),
        succeeded=_import_succeeded,
        summary=_import_summary,
    )


def _import_succeeded(result: dict[str, Any]) -> bool:
    return bool(result["dry_run"] or result["partial"] or not result["errors"])


def _import_summary(result: dict[str, Any]) -> str:
    params = {"imported": result["imported"], "invalid": result["invalid"], "valid": result["valid"]}
    if result["dry_run"]:
        return (
            ngettext(
                "Dry run: %(valid)s rows valid, %(invalid)s row with errors; nothing was written.",
                "Dry run: %(valid)s rows valid, %(invalid)s rows with errors; nothing was written.",
                result["invalid"],
            )
            % params
        )
    if result["errors"] and not result["partial"]:
        return (
            ngettext(
                "Nothing was imported: %(invalid)s row has errors.",
                "Nothing was imported: %(invalid)s rows have errors.",
                result["invalid"],
            )
            % params
        )
    if result["errors"]:
        return (
            ngettext(
                "Imported %(imported)s residents; %(invalid)s row with errors was skipped.",
                "Imported %(imported)s residents; %(invalid)s rows with errors were skipped.",
                result["invalid"],
            )
            % params
        )
    return (
        ngettext("Imported %(imported)s resident.", "Imported %(imported)s residents.", result["imported"])
        % params
    )
