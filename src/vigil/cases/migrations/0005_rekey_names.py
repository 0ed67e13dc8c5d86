"""Name keys recomputed with the folding of issue 13 (vigil.cases.names).

``PersonName.key``/``skeleton`` and ``Organisation.key`` are derived from the name by
:func:`vigil.cases.names.fold` and :func:`~vigil.cases.names.skeleton`, and searched
(``find``, duplicates, organisations by name). Issue 13 changed the folding (Ukrainian
г as h, ISO 9 letters, an apostrophe inside a word as a soft sign, patronymic markers),
so keys stored before it would no longer meet the keys of new names. This migration
recomputes them with the current code: derived data, no fact changes, nothing audited.
Any later change to the folding needs a migration like this one.
"""

from django.db import migrations

BATCH = 2000


def rekey(apps, schema_editor):
    from vigil.cases.names import fold, skeleton

    PersonName = apps.get_model("cases", "PersonName")
    Organisation = apps.get_model("cases", "Organisation")
    changed = []
    for name in PersonName.objects.only("id", "name", "key", "skeleton").iterator(BATCH):
        key, skel = fold(name.name), skeleton(name.name)
        if (key, skel) != (name.key, name.skeleton):
            name.key, name.skeleton = key, skel
            changed.append(name)
    PersonName.objects.bulk_update(changed, ["key", "skeleton"], batch_size=BATCH)
    orgs = []
    for org in Organisation.objects.only("id", "name", "key").iterator(BATCH):
        key = fold(org.name)
        if key != org.key:
            org.key = key
            orgs.append(org)
    Organisation.objects.bulk_update(orgs, ["key"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_visibility_scoped_and_append_only"),
    ]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
