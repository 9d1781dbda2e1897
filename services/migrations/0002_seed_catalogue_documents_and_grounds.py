"""Seed the catalogue (S1–S3), the paragraph-9 documents and the
paragraph-10 refusal grounds as editable data.

The 2017 Standard's lists are not in the decree; these follow the closest
published editions (DOMAIN.md, marked unconfirmed there). Administrators
edit them in the admin.
"""

from django.db import migrations

SERVICES = [
    (
        "S1",
        "Регистрация лиц, ищущих работу",
        "Жұмыс іздеген адамдарды тіркеу",
        "Registration of job seekers",
        "Ищущие работу",
        "Жұмыс іздеушілер",
        "Job seekers",
    ),
    (
        "S2",
        "Регистрация лиц, ищущих работу, в качестве безработного",
        "Жұмыс іздеген адамдарды жұмыссыз ретінде тіркеу",
        "Registration of job seekers as unemployed",
        "Безработные",
        "Жұмыссыздар",
        "Unemployed",
    ),
    (
        "S3",
        "Выдача направлений лицам на участие в активных мерах содействия занятости",
        "Жұмыспен қамтуға жәрдемдесудің белсенді шараларына қатысу үшін адамдарға жолдамалар беру",
        "Referrals to active employment measures",
        "Направления",
        "Жолдамалар",
        "Referrals",
    ),
]

APPLICATION = ("Заявление", "Өтініш", "Application form")
IDENTITY = (
    "Документ, удостоверяющий личность (или его электронная копия из сервиса цифровых документов)",
    "Жеке басын куәландыратын құжат (немесе цифрлық құжаттар сервисінен оның электрондық көшірмесі)",
    "Identity document (or its electronic copy from the digital documents service)",
)
WORK_HISTORY = (
    "Документ, подтверждающий трудовую деятельность (при наличии)",
    "Еңбек қызметін растайтын құжат (бар болса)",
    "Document on work history (if any)",
)
EDUCATION = (
    "Документ об образовании, квалификации (при наличии)",
    "Білімі, біліктілігі туралы құжат (бар болса)",
    "Document on education or qualification (if any)",
)
REPRESENTATIVE = (
    "Письменное заявление законного представителя (для лиц младше 16 лет)",
    "Заңды өкілінің жазбаша өтініші (16 жасқа толмаған адамдар үшін)",
    "Written application of the legal representative (for a person under 16)",
)
EDUCATION_YP = (
    "Документ об образовании (для молодёжной практики)",
    "Білімі туралы құжат (жастар практикасы үшін)",
    "Education document (for youth practice)",
)
TARGET_GROUP = (
    "Документ, подтверждающий принадлежность к целевой группе (для социальных рабочих мест)",
    "Нысаналы топқа жататынын растайтын құжат (әлеуметтік жұмыс орындары үшін)",
    "Document showing membership of a target group (for social jobs)",
)

# (names, mandatory, expires, measure_kind)
DOCUMENTS = {
    "S1": [
        (APPLICATION, True, False, ""),
        (IDENTITY, True, True, ""),
        (WORK_HISTORY, False, False, ""),
        (EDUCATION, False, False, ""),
        (REPRESENTATIVE, False, False, ""),
    ],
    "S2": [
        (APPLICATION, True, False, ""),
        (IDENTITY, True, True, ""),
        (WORK_HISTORY, False, False, ""),
        (EDUCATION, False, False, ""),
        (REPRESENTATIVE, False, False, ""),
    ],
    "S3": [
        (APPLICATION, True, False, ""),
        (IDENTITY, True, True, ""),
        (EDUCATION_YP, True, False, "youth_practice"),
        (TARGET_GROUP, True, False, "social_jobs"),
    ],
}

STANDARD_REF = (
    "Стандарт государственной услуги, пункт 10",
    "Мемлекеттік көрсетілетін қызмет стандарты, 10-тармақ",
    "Standard of the government service, paragraph 10",
)
GROUNDS = [
    {
        "code": "unreliable-documents",
        "stage": "review",
        "services": ["S1", "S3"],
        "name": (
            "Недостоверность документов и (или) данных (сведений), содержащихся в них",
            "Құжаттардың және (немесе) олардағы деректердің (мәліметтердің) анық еместігі",
            "The documents or the data in them are unreliable",
        ),
        "ref": STANDARD_REF,
    },
    {
        "code": "s2-unreliable-documents",
        "stage": "review",
        "services": ["S2"],
        "name": (
            "Недостоверность документов и (или) данных (сведений), содержащихся в них",
            "Құжаттардың және (немесе) олардағы деректердің (мәліметтердің) анық еместігі",
            "The documents or the data in them are unreliable",
        ),
        "ref": STANDARD_REF,
    },
    {
        "code": "incomplete-package",
        "stage": "intake",
        "services": ["S2"],
        "name": (
            "Неполный пакет документов согласно пункту 9 Стандарта",
            "Стандарттың 9-тармағына сәйкес құжаттардың толық емес топтамасы",
            "Incomplete package of documents against paragraph 9 of the Standard",
        ),
        "ref": (
            "Регламент государственной услуги, пункт 4",
            "Мемлекеттік көрсетілетін қызмет регламенті, 4-тармақ",
            "Reglament of the service, paragraph 4",
        ),
    },
    {
        "code": "expired-document",
        "stage": "intake",
        "services": ["S2"],
        "name": (
            "Документы с истекшим сроком действия",
            "Қолданылу мерзімі өткен құжаттар",
            "A document has expired",
        ),
        "ref": (
            "Регламент государственной услуги, пункт 4",
            "Мемлекеттік көрсетілетін қызмет регламенті, 4-тармақ",
            "Reglament of the service, paragraph 4",
        ),
    },
]


def seed(apps, schema_editor):
    Service = apps.get_model("services", "Service")
    RequiredDocument = apps.get_model("services", "RequiredDocument")
    RefusalGround = apps.get_model("services", "RefusalGround")
    services = {}
    for code, ru, kk, en, sru, skk, sen in SERVICES:
        services[code] = Service.objects.create(
            code=code,
            name_ru=ru,
            name_kk=kk,
            name_en=en,
            short_name_ru=sru,
            short_name_kk=skk,
            short_name_en=sen,
        )
    for code, docs in DOCUMENTS.items():
        for order, ((ru, kk, en), mandatory, expires, measure) in enumerate(docs, start=1):
            RequiredDocument.objects.create(
                service=services[code],
                order=order,
                name_ru=ru,
                name_kk=kk,
                name_en=en,
                mandatory=mandatory,
                expires=expires,
                measure_kind=measure,
            )
    for spec in GROUNDS:
        ground = RefusalGround.objects.create(
            code=spec["code"],
            stage=spec["stage"],
            name_ru=spec["name"][0],
            name_kk=spec["name"][1],
            name_en=spec["name"][2],
            legal_reference_ru=spec["ref"][0],
            legal_reference_kk=spec["ref"][1],
            legal_reference_en=spec["ref"][2],
        )
        ground.services.set([services[c] for c in spec["services"]])


def unseed(apps, schema_editor):
    apps.get_model("services", "RefusalGround").objects.all().delete()
    apps.get_model("services", "RequiredDocument").objects.all().delete()
    apps.get_model("services", "Service").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
