from django.db import migrations


class Migration(migrations.Migration):
    # the receipts moved to api.callbacks (copied by callbacks 0001)
    dependencies = [("encoding", "0001_initial"), ("callbacks", "0001_initial")]

    operations = [migrations.DeleteModel(name="CallbackReceipt")]
