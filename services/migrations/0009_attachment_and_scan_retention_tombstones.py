"""Retention (issue 6): an attachment or a scan removed after the retention
period keeps its row as a tombstone, with the time it was removed."""

from django.db import migrations, models

import services.models


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0008_notification_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="removed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the file was removed under the retention rule.",
                null=True,
                verbose_name="removed",
            ),
        ),
        migrations.AddField(
            model_name="presenteddocument",
            name="scan_removed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the scan was removed under the retention rule; its SHA-256 stays.",
                null=True,
                verbose_name="scan removed",
            ),
        ),
        migrations.AlterField(
            model_name="attachment",
            name="file",
            field=models.FileField(
                blank=True,
                help_text="Empty once removed.",
                upload_to=services.models._attachment_path,
                verbose_name="file",
            ),
        ),
    ]
