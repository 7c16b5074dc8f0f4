"""API tokens move to django-rest-knox, which stores a SHA-512 digest instead of the token.

Every token of the former `rest_framework.authtoken` table is re-stored as its digest,
so clients keep using the token they hold; from now on it expires like a new one
(API_TOKEN_TTL days from this migration). The former table, which held usable tokens in
clear, is then dropped, with its migration records.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from knox.crypto import hash_token

OLD_TABLE = "authtoken_token"


def hash_existing_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    ttl = settings.REST_KNOX.get("TOKEN_TTL")
    expiry = timezone.now() + ttl if ttl is not None else None
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('key')}, {quote('user_id')}, {quote('created')} FROM {OLD_TABLE}"
        )
        rows = cursor.fetchall()
    AuthToken.objects.bulk_create(
        AuthToken(digest=hash_token(key), token_key=key[:15], user_id=user_id, expiry=expiry)
        for key, user_id, _created in rows
    )
    for key, _user_id, created in rows:
        AuthToken.objects.filter(digest=hash_token(key)).update(created=created)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {OLD_TABLE}")
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_person_sessions_epoch"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(hash_existing_tokens, migrations.RunPython.noop)]
