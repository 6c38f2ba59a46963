from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_record_mapping"),
    ]

    operations = [
        migrations.AddField(
            model_name="documentversion",
            name="graph_status",
            field=models.CharField(
                blank=True,
                choices=[("", "Graph built or not due"), ("retrying", "Graph stage to run again"), ("failed", "Graph stage failed")],
                default="",
                max_length=12,
            ),
        ),
    ]
