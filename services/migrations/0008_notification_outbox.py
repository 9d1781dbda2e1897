"""Notifications become an outbox: a row is written with the change and is
pending until its e-mail is sent (issue 6, faults: Redis down)."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def created_when_sent(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Rows written before the outbox were written when they were sent.
    Notification = apps.get_model("services", "Notification")
    Notification.objects.update(created_at=F("sent_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0007_rendered_result_documents_with_verification_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="created"),
        ),
        migrations.RunPython(created_when_sent, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="notification",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent"),
        ),
        migrations.AlterModelOptions(
            name="notification",
            options={
                "ordering": ["created_at", "id"],
                "verbose_name": "notification",
                "verbose_name_plural": "notifications",
            },
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("sent_at__isnull", True)),
                fields=["created_at"],
                name="notification_pending_idx",
            ),
        ),
    ]
