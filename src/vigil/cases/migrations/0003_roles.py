"""The roles of the registry as Django groups (docs/security.md):

- viewer: reads internal data;
- editor: creates, edits, imports and merges (and reads internal data);
- admin: manages users and roles, reads the audit trail (and everything an editor does).

Reading restricted fields is a separate permission (cases.view_restricted), given to
named users, never to a whole role by default.
"""

from django.db import migrations

ROLES = {
    "viewer": ["view"],
    "editor": ["view", "add", "change"],
    "admin": ["view", "add", "change", "delete"],
}
MODELS = [
    "person", "personname", "organisation", "affiliation", "legalarticle", "court", "case",
    "caseparticipant", "statusevent", "hearing", "sentence", "designation", "listrelease",
    "listentry", "source",
]


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, verbosity=0, apps=apps)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, actions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        codenames = [f"{a}_{m}" for a in actions for m in MODELS if f"{a}_{m}" != "delete_statusevent"]
        if role == "admin":
            codenames += ["view_auditevent", "view_user", "add_user", "change_user"]
        group.permissions.set(Permission.objects.filter(codename__in=codenames))


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_restricted_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, drop_roles)]
