"""Data migration: count the features of the layers that existed before feature_count."""

from django.db import migrations
from django.db.models import Count


def count_features(apps, schema_editor):
    layer = apps.get_model("layers", "Layer")
    for row in layer.objects.annotate(n=Count("features")):
        layer.objects.filter(pk=row.pk).update(feature_count=row.n)


def forget_counts(apps, schema_editor):
    apps.get_model("layers", "Layer").objects.update(feature_count=0)


class Migration(migrations.Migration):
    dependencies = [("layers", "0004_layer_feature_count")]

    operations = [migrations.RunPython(count_features, forget_counts)]
