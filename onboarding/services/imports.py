"""CSV import of associates: a preview listing each line's errors, then a confirmation.

Nothing is written by the preview. The confirmation carries the preview's rows, signed
by the server, and adds them all in one transaction, or none if any line is refused.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from governance.models import Category, College, Cooperative, MemberKind, OrganisationType, Person
from governance.permissions import access_cooperative
from onboarding.errors import CsvInvalid, CsvRowsInvalid, ImportExpired
from onboarding.services.invitations import AssociateSpec, associate_add, associate_check

REQUIRED_COLUMNS = ("name", "email", "kind", "college", "category", "shares")
OPTIONAL_COLUMNS = ("organisation_type",)
MAX_BYTES = 1_000_000
MAX_ROWS = 2000
CONFIRMATION_MAX_AGE = 3600
_SALT = "onboarding.csv-import"


@dataclass
class ImportRow:
    line: int
    name: str
    email: str
    kind: str
    college: str
    category: str
    shares: str
    organisation_type: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    confirmation: str = ""

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [{"line": row.line, **error} for row in self.rows for error in row.errors]


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise CsvInvalid(
            _("The file is larger than %(n)d bytes.") % {"n": MAX_BYTES}, code="csv_too_large"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvInvalid(
            _('The file is not in UTF-8 (byte %(pos)d). Save it as "CSV UTF-8" and try again.')
            % {"pos": exc.start + 1},
            code="csv_encoding",
        ) from exc


def _read(text: str) -> list[ImportRow]:
    try:
        dialect: Any = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [(column or "").strip().lower() for column in reader.fieldnames or []]
    if not header:
        raise CsvInvalid(_("The file is empty."), code="csv_empty")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing: %(c)s") % {"c": ", ".join(missing)})
        if unknown:
            parts.append(_("unknown: %(c)s") % {"c": ", ".join(unknown)})
        raise CsvInvalid(
            _("The columns are wrong (%(parts)s). Expected: %(expected)s.")
            % {
                "parts": "; ".join(parts),
                "expected": ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS),
            },
            code="csv_columns",
            details={"missing": missing, "unknown": unknown},
        )
    reader.fieldnames = header
    rows: list[ImportRow] = []
    for record in reader:
        if not any((value or "").strip() for value in record.values() if isinstance(value, str)):
            continue
        if len(rows) >= MAX_ROWS:
            raise CsvInvalid(
                _("The file has more than %(n)d lines.") % {"n": MAX_ROWS}, code="csv_too_large"
            )
        value = {c: (record.get(c) or "").strip() for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
        rows.append(ImportRow(line=reader.line_num, **value))  # type: ignore[arg-type]
    if not rows:
        raise CsvInvalid(_("The file has no associates."), code="csv_empty")
    return rows


def _spec(cooperative: Cooperative, row: ImportRow) -> AssociateSpec:
    colleges = {c.name.lower(): c for c in College.objects.filter(cooperative=cooperative)}
    categories = {c.name.lower(): c for c in Category.objects.filter(cooperative=cooperative)}
    kind = {"natural": MemberKind.NATURAL, "physique": MemberKind.NATURAL}.get(
        row.kind.lower(),
        {"legal": MemberKind.LEGAL, "morale": MemberKind.LEGAL}.get(
            row.kind.lower(), row.kind.lower()
        ),
    )
    college = colleges.get(row.college.lower()) if row.college else None
    if row.college and college is None:
        raise DomainError(
            code="unknown_college", message=_("No college is named %(n)s.") % {"n": row.college}
        )
    category = categories.get(row.category.lower())
    if category is None:
        raise DomainError(
            code="unknown_category",
            message=_("No category is named %(n)s.") % {"n": row.category},
        )
    try:
        shares = int(row.shares or 0)
    except ValueError as exc:
        raise DomainError(
            code="invalid_shares", message=_("Shares must be a whole number.")
        ) from exc
    organisation_type = row.organisation_type.lower()
    if organisation_type and organisation_type not in OrganisationType.values:
        raise DomainError(
            code="organisation_type_required",
            message=_("Unknown kind of organisation: %(t)s.") % {"t": row.organisation_type},
        )
    return AssociateSpec(
        name=row.name,
        email=row.email,
        kind=kind,
        college=college,
        category=category,
        shares=shares,
        organisation_type=organisation_type,
    )


def _check_rows(cooperative: Cooperative, rows: list[ImportRow]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        row.errors = []
        try:
            spec = _spec(cooperative, row)
            associate_check(cooperative=cooperative, spec=spec)
        except DomainError as exc:
            row.errors.append({"code": exc.code, "message": exc.message})
            continue
        key = row.email.strip().lower()
        if key in seen:
            row.errors.append(
                {
                    "code": "duplicate_email",
                    "message": _("The same e-mail is on line %(n)d.") % {"n": seen[key]},
                }
            )
        seen.setdefault(key, row.line)


def associates_import_preview(
    *, actor: Person, cooperative: Cooperative, data: bytes
) -> ImportPreview:
    """Read a CSV file of associates and say, line by line, what is wrong. Writes
    nothing. When every line is right, the preview holds a signed confirmation."""
    access_cooperative(actor, cooperative.slug, manage=True)
    rows = _read(_decode(data))
    _check_rows(cooperative, rows)
    preview = ImportPreview(rows=rows)
    if not preview.errors:
        preview.confirmation = signing.dumps(
            {
                "cooperative": cooperative.pk,
                "actor": actor.pk,
                "rows": [{k: v for k, v in asdict(row).items() if k != "errors"} for row in rows],
            },
            salt=_SALT,
            compress=True,
        )
    return preview


@transaction.atomic
def associates_import_confirm(
    *, actor: Person, cooperative: Cooperative, confirmation: str
) -> list[Any]:
    """Add every associate of a previewed file, in one transaction: if any line is now
    refused (someone joined meanwhile), nothing is written and the errors are listed."""
    access_cooperative(actor, cooperative.slug, manage=True)
    try:
        payload = signing.loads(confirmation, salt=_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.BadSignature as exc:
        raise ImportExpired(
            _("This import's preview is too old or not valid; upload the file again.")
        ) from exc
    if payload.get("cooperative") != cooperative.pk or payload.get("actor") != actor.pk:
        raise ImportExpired(_("This preview was made for another import; upload the file again."))
    rows = [ImportRow(**row) for row in payload["rows"]]
    _check_rows(cooperative, rows)
    errors = [{"line": row.line, **error} for row in rows for error in row.errors]
    if errors:
        raise CsvRowsInvalid(
            _("Some lines are refused; nothing was imported."), details={"errors": errors}
        )
    return [
        associate_add(actor=actor, cooperative=cooperative, spec=_spec(cooperative, row))
        for row in rows
    ]
