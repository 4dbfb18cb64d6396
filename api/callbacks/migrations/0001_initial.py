import uuid

from django.db import migrations, models


def copy_receipts(apps, schema_editor):
    """encoding.CallbackReceipt → callbacks.CallbackReceipt. The subject is the job; a
    live event's receipt had no job, its id was in the (faked) answer's ``job_id``."""
    old = apps.get_model("encoding", "CallbackReceipt")
    new = apps.get_model("callbacks", "CallbackReceipt")
    batch = []
    for receipt in old.objects.all().iterator():
        subject = receipt.job_id
        if subject is None and isinstance(receipt.response, dict):
            try:
                subject = uuid.UUID(str(receipt.response.get("job_id")))
            except ValueError:
                subject = None
        batch.append(
            new(
                webhook_id=receipt.webhook_id,
                event_type=receipt.event_type,
                subject_id=subject,
                status_code=receipt.status_code,
                response=receipt.response,
                received_at=receipt.received_at,
            )
        )
        if len(batch) >= 1000:
            new.objects.bulk_create(batch)
            batch = []
    new.objects.bulk_create(batch)


def copy_back(apps, schema_editor):
    old = apps.get_model("encoding", "CallbackReceipt")
    new = apps.get_model("callbacks", "CallbackReceipt")
    jobs = apps.get_model("encoding", "EncodingJob")
    known = set(jobs.objects.values_list("id", flat=True))
    old.objects.bulk_create(
        old(
            webhook_id=r.webhook_id,
            event_type=r.event_type,
            job_id=r.subject_id if r.subject_id in known else None,
            status_code=r.status_code,
            response=r.response,
            received_at=r.received_at,
        )
        for r in new.objects.all().iterator()
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [("encoding", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="CallbackReceipt",
            fields=[
                ("webhook_id", models.CharField(max_length=255, primary_key=True, serialize=False)),
                ("event_type", models.CharField(max_length=64)),
                ("subject_id", models.UUIDField(blank=True, db_index=True, null=True)),
                ("status_code", models.PositiveSmallIntegerField()),
                ("response", models.JSONField()),
                ("received_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.RunPython(copy_receipts, copy_back),
    ]
