"""Seed the reasons for closing a register entry and the target groups.

Both are editable data (DOMAIN.md: the target-group list is unconfirmed);
the reverse removes only the rows seeded here that nothing refers to.
"""

from django.db import migrations

CLOSE_REASONS = [
    ("employed", "Трудоустроен", "Жұмысқа орналасты", "Employed"),
    (
        "training",
        "Направлен на профессиональное обучение",
        "Кәсіптік оқуға жіберілді",
        "Referred to training",
    ),
    ("did_not_report", "Не явился в установленный срок", "Белгіленген мерзімде келмеді", "Did not report"),
    ("own_request", "По собственному заявлению", "Өз өтініші бойынша", "At own request"),
    ("moved_away", "Выбыл на другое место жительства", "Басқа тұрғылықты жерге көшті", "Moved away"),
    ("other", "Иная причина", "Басқа себеп", "Other reason"),
]

TARGET_GROUPS = [
    ("low_income", "Малообеспеченные лица", "Аз қамтылған адамдар", "Low-income persons"),
    (
        "youth",
        "Молодёжь до двадцати девяти лет",
        "Жиырма тоғыз жасқа дейінгі жастар",
        "Young people under 29",
    ),
    ("disability", "Лица с инвалидностью", "Мүгедектігі бар адамдар", "Persons with disabilities"),
    (
        "pre_retirement",
        "Лица предпенсионного возраста",
        "Зейнеткерлік жас алдындағы адамдар",
        "Persons of pre-retirement age",
    ),
    (
        "released_from_prison",
        "Лица, освобождённые из мест лишения свободы",
        "Бас бостандығынан айыру орындарынан босатылған адамдар",
        "Persons released from prison",
    ),
    ("large_family", "Многодетные родители", "Көп балалы ата-аналар", "Parents of large families"),
    ("other", "Иные категории", "Басқа санаттар", "Other groups"),
]


def seed(apps, schema_editor):
    for model_name, rows in (("RegisterCloseReason", CLOSE_REASONS), ("TargetGroup", TARGET_GROUPS)):
        model = apps.get_model("registry", model_name)
        for order, (code, ru, kk, en) in enumerate(rows, start=1):
            model.objects.update_or_create(
                code=code, defaults={"name_ru": ru, "name_kk": kk, "name_en": en, "order": order}
            )


def unseed(apps, schema_editor):
    reason = apps.get_model("registry", "RegisterCloseReason")
    reason.objects.filter(code__in=[r[0] for r in CLOSE_REASONS], entries__isnull=True).delete()
    group = apps.get_model("registry", "TargetGroup")
    group.objects.filter(code__in=[g[0] for g in TARGET_GROUPS], memberships__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_registers_referrals_target_groups"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
