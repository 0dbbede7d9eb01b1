"""Create the curriculum root page, make it the site root, and give authors their permissions.

Page creation follows Wagtail's own initial-data migration (explicit tree paths).
"""

from django.db import migrations

AUTHORS = "Curriculum authors"
PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]


def forwards(apps, schema_editor):
    from lms.accounts.roles import sync_role_groups

    sync_role_groups(apps)

    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Locale = apps.get_model("wagtailcore", "Locale")
    Collection = apps.get_model("wagtailcore", "Collection")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    CurriculumIndexPage = apps.get_model("courses", "CurriculumIndexPage")

    root = Page.objects.get(depth=1)
    if CurriculumIndexPage.objects.exists():
        return
    last_child = Page.objects.filter(depth=2).order_by("-path").first()
    next_number = int(last_child.path[4:8]) + 1 if last_child else 1
    content_type, _ = ContentType.objects.get_or_create(
        app_label="courses", model="curriculumindexpage"
    )
    index = CurriculumIndexPage.objects.create(
        title="Curriculum",
        draft_title="Curriculum",
        slug="curriculum",
        content_type=content_type,
        path=f"{root.path}{next_number:04d}",
        depth=2,
        numchild=0,
        url_path="/curriculum/",
        locale=Locale.objects.order_by("pk").first(),
        live=True,
        intro="",
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    site = Site.objects.filter(is_default_site=True).first()
    if site is not None:
        site.root_page_id = index.pk
        site.save(update_fields=["root_page"])

    authors = Group.objects.get(name=AUTHORS)
    page_content_type = ContentType.objects.get(app_label="wagtailcore", model="page")
    for codename in PAGE_PERMISSIONS:
        permission = Permission.objects.get(content_type=page_content_type, codename=codename)
        GroupPagePermission.objects.get_or_create(group=authors, page=index, permission=permission)
    collection = Collection.objects.get(depth=1)
    for app_label, codename in COLLECTION_PERMISSIONS:
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        GroupCollectionPermission.objects.get_or_create(
            group=authors, collection=collection, permission=permission
        )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
        ("accounts", "0003_notification"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
