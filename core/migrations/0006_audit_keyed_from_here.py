"""Close the unkeyed chain of an existing installation with a keyed "keyed from here" entry.

The entries already written keep their plain SHA-256 hashes; the new entry's HMAC covers
the hash of the last of them, so from now on none of them can be rewritten without the
audit key either. A new installation has no entry yet and gets none.
"""

from django.db import migrations


def key_from_here(apps, schema_editor):
    from core.audit import audit_key_from_here

    audit_key_from_here(
        entry_model=apps.get_model("core", "AuditEntry"),
        head_model=apps.get_model("core", "AuditHead"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_audit_entry_key_id"),
    ]

    # Going back leaves the entry: the chain is append-only.
    operations = [migrations.RunPython(key_from_here, migrations.RunPython.noop)]
