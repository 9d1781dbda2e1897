"""Seed the law as data (L1, L2): decree No. 342 of 2015, its amendment
No. 272 of 14 Nov 2017 with the three reglaments, the repeal by decree
No. 49 of 27 Mar 2020; the Mangistau region; Kazakhstan's days off
2015–2030 and the standard office calendar.

Where the source text gives no date (first publication of No. 272 and
No. 49), the earliest possible date is used and the act's source note says
so: an administrator corrects it in the admin.
"""

import datetime

from django.db import migrations

from reglament.holidays_kz import SUPPORTED_YEARS, kazakhstan_days_off

D = datetime.date

ISSUER = {
    "issuer_ru": "Акимат Мангистауской области",
    "issuer_kk": "Маңғыстау облысының әкімдігі",
    "issuer_en": "Akimat of Mangistau region",
}

PROCEDURES = [
    {
        "order": 1,
        "code": "intake",
        "unit": "chancellery",
        "norm_minutes": 10,
        "name_ru": "Приём и регистрация документов",
        "name_kk": "Құжаттарды қабылдау және тіркеу",
        "name_en": "Intake and registration of documents",
        "outcome_ru": "Регистрация документа",
        "outcome_kk": "Құжатты тіркеу",
        "outcome_en": "The document is registered",
    },
    {
        "order": 2,
        "code": "review",
        "unit": "executor",
        "norm_minutes": 15,
        "name_ru": "Рассмотрение, оформление и подпись результата оказания государственной услуги",
        "name_kk": "Мемлекеттік қызмет көрсету нәтижесін қарау, ресімдеу және қол қою",
        "name_en": "Review, preparation and signing of the result",
        "outcome_ru": "Рассмотрение, подготовка и подписание результата",
        "outcome_kk": "Нәтижені қарау, дайындау және қол қою",
        "outcome_en": "The result is reviewed, prepared and signed",
    },
    {
        "order": 3,
        "code": "issuance",
        "unit": "chancellery",
        "norm_minutes": 5,
        "name_ru": "Выдача результата оказания государственной услуги услугополучателю",
        "name_kk": "Мемлекеттік қызмет көрсету нәтижесін көрсетілетін қызметті алушыға беру",
        "name_en": "Issuance of the result to the applicant",
        "outcome_ru": "Роспись услугополучателя в журнале по оказанию государственной услуги",
        "outcome_kk": "Көрсетілетін қызметті алушының мемлекеттік қызмет көрсету журналындағы қолы",
        "outcome_en": "The applicant signs the service journal",
    },
]

UNRELIABLE_RU = (
    "Отказ в случае установления недостоверности документов, представленных услугополучателем, "
    "и (или) данных (сведений), содержащихся в них."
)
UNRELIABLE_KK = (
    "Көрсетілетін қызметті алушы ұсынған құжаттардың және (немесе) олардағы деректердің (мәліметтердің) "
    "анық еместігі анықталған жағдайда бас тарту."
)
UNRELIABLE_EN = "Refusal when the documents submitted, or the data in them, are found unreliable."

REGLAMENTS = [
    {
        "service_code": "S1",
        "title_ru": "Регистрация лиц, ищущих работу",
        "title_kk": "Жұмыс іздеген адамдарды тіркеу",
        "title_en": "Registration of job seekers",
        "via_desk": True,
        "via_portal": True,
        "service_form": "electronic_or_paper",
        "result_form": "electronic_or_paper",
        "result_ru": "Уведомление о регистрации в качестве лица, ищущего работу, в бумажном или электронном виде",
        "result_kk": "Жұмыс іздеген адам ретінде тіркелгені туралы хабарлама, қағаз немесе электрондық түрде",
        "result_en": "Notification of registration as a job seeker, on paper or electronic",
        "refusal_basis_ru": UNRELIABLE_RU,
        "refusal_basis_kk": UNRELIABLE_KK,
        "refusal_basis_en": UNRELIABLE_EN,
    },
    {
        "service_code": "S2",
        "title_ru": "Регистрация лиц, ищущих работу, в качестве безработного",
        "title_kk": "Жұмыс іздеген адамдарды жұмыссыз ретінде тіркеу",
        "title_en": "Registration of job seekers as unemployed",
        "via_desk": True,
        "via_portal": False,
        "service_form": "paper",
        "result_form": "paper",
        "result_ru": "Справка о регистрации в качестве безработного в бумажном или электронном виде",
        "result_kk": "Жұмыссыз ретінде тіркелгені туралы анықтама, қағаз немесе электрондық түрде",
        "result_en": "Certificate of registration as unemployed, on paper or electronic",
        "refusal_basis_ru": (
            "Отказ в приёме заявления при представлении неполного пакета документов согласно пункту 9 "
            "Стандарта и (или) документов с истекшим сроком действия."
        ),
        "refusal_basis_kk": (
            "Стандарттың 9-тармағына сәйкес құжаттардың толық емес топтамасы және (немесе) қолданылу "
            "мерзімі өткен құжаттар ұсынылған жағдайда өтінішті қабылдаудан бас тарту."
        ),
        "refusal_basis_en": (
            "Intake is refused when the package is incomplete against paragraph 9 of the Standard "
            "or a document has expired."
        ),
    },
    {
        "service_code": "S3",
        "title_ru": "Выдача направлений лицам на участие в активных мерах содействия занятости",
        "title_kk": "Жұмыспен қамтуға жәрдемдесудің белсенді шараларына қатысу үшін адамдарға жолдамалар беру",
        "title_en": "Referrals to active employment measures",
        "via_desk": True,
        "via_portal": True,
        "service_form": "electronic_or_paper",
        "result_form": "electronic_or_paper",
        "result_ru": (
            "Направление для трудоустройства, на молодёжную практику, на социальные рабочие места "
            "или на общественные работы, либо мотивированный ответ об отказе"
        ),
        "result_kk": (
            "Жұмысқа орналасуға, жастар практикасына, әлеуметтік жұмыс орындарына немесе қоғамдық "
            "жұмыстарға жолдама не бас тарту туралы дәлелді жауап"
        ),
        "result_en": (
            "A referral to employment, youth practice, social jobs or public works, or a motivated refusal"
        ),
        "refusal_basis_ru": UNRELIABLE_RU,
        "refusal_basis_kk": UNRELIABLE_KK,
        "refusal_basis_en": UNRELIABLE_EN,
    },
]


def seed(apps, schema_editor):
    Region = apps.get_model("reglament", "Region")
    LegalAct = apps.get_model("reglament", "LegalAct")
    ReglamentVersion = apps.get_model("reglament", "ReglamentVersion")
    Procedure = apps.get_model("reglament", "Procedure")
    CalendarDay = apps.get_model("reglament", "CalendarDay")
    WorkCalendar = apps.get_model("reglament", "WorkCalendar")

    region = Region.objects.create(
        code="mangystau",
        name_ru="Мангистауская область",
        name_kk="Маңғыстау облысы",
        name_en="Mangistau region",
    )
    decree_342 = LegalAct.objects.create(
        kind="decree",
        region=region,
        number="342",
        adopted_on=D(2015, 11, 4),
        title_ru="Об утверждении регламентов государственных услуг в социально-трудовой сфере",
        title_kk="Әлеуметтік-еңбек саласындағы мемлекеттік көрсетілетін қызметтер регламенттерін бекіту туралы",
        title_en="On approving the reglaments of government services in the social and labour sphere",
        justice_number="2900",
        first_published_on=D(2015, 12, 21),
        in_force_from=D(2015, 12, 31),
        source_note="Published 21 Dec 2015 in the «Әділет» system (as cited by decree No. 272).",
        **ISSUER,
    )
    decree_272 = LegalAct.objects.create(
        kind="decree",
        region=region,
        number="272",
        adopted_on=D(2017, 11, 14),
        title_ru=(
            "О внесении изменений и дополнений в постановление акимата Мангистауской области "
            "от 4 ноября 2015 года № 342 «Об утверждении регламентов государственных услуг "
            "в социально-трудовой сфере»"
        ),
        title_kk=(
            "Маңғыстау облысы әкімдігінің 2015 жылғы 4 қарашадағы № 342 «Әлеуметтік-еңбек "
            "саласындағы мемлекеттік көрсетілетін қызметтер регламенттерін бекіту туралы» "
            "қаулысына өзгерістер мен толықтырулар енгізу туралы"
        ),
        title_en=(
            "On amending Mangistau akimat decree No. 342 of 4 November 2015 on the reglaments "
            "of government services in the social and labour sphere"
        ),
        justice_number="3467",
        justice_date=D(2017, 11, 30),
        first_published_on=None,
        in_force_from=D(2017, 12, 10),
        source_note=(
            "The source gives the state registration (30 Nov 2017, No. 3467) but not the date of "
            "first official publication. 'In force from' is the earliest possible date "
            "(registration + 10 calendar days) until the publication date is confirmed."
        ),
        **ISSUER,
    )
    decree_272.amends.add(decree_342)
    decree_49 = LegalAct.objects.create(
        kind="decree",
        region=region,
        number="49",
        adopted_on=D(2020, 3, 27),
        title_ru="Постановление акимата Мангистауской области от 27 марта 2020 года № 49 (признание утратившими силу)",
        title_kk="Маңғыстау облысы әкімдігінің 2020 жылғы 27 наурыздағы № 49 қаулысы (күші жойылды деп тану)",
        title_en="Mangistau akimat decree No. 49 of 27 March 2020 (repeal)",
        first_published_on=None,
        in_force_from=D(2020, 4, 6),
        source_note=(
            "Known from the repeal note of decree No. 272: put into effect ten calendar days after "
            "its first official publication. Title, registration and publication dates are not in the "
            "source; 'in force from' is the earliest possible date (adoption + 10 days) until confirmed."
        ),
        **ISSUER,
    )
    for act in (decree_342, decree_272):
        act.repealed_by = decree_49
        act.save(update_fields=["repealed_by"])

    for spec in REGLAMENTS:
        version = ReglamentVersion.objects.create(
            region=region,
            legal_act=decree_272,
            effective_from=decree_272.in_force_from,
            effective_to=decree_49.in_force_from,
            **spec,
        )
        Procedure.objects.bulk_create(Procedure(version=version, **p) for p in PROCEDURES)

    CalendarDay.objects.bulk_create(
        CalendarDay(
            calendar=None,
            day=h.day,
            kind="holiday",
            name_ru=h.name_ru,
            name_kk=h.name_kk,
            name_en=h.name_en,
        )
        for year in SUPPORTED_YEARS
        for h in kazakhstan_days_off(year)
    )
    WorkCalendar.objects.create(
        name="Центры занятости Мангистауской области / Маңғыстау облысының жұмыспен қамту орталықтары",
        timezone="Asia/Aqtau",
        work_start=datetime.time(9, 0),
        work_end=datetime.time(18, 0),
        lunch_start=datetime.time(13, 0),
        lunch_end=datetime.time(14, 0),
        weekend="5,6",
    )


def unseed(apps, schema_editor):
    for model in ("Procedure", "ReglamentVersion"):
        apps.get_model("reglament", model).objects.all().delete()
    LegalAct = apps.get_model("reglament", "LegalAct")
    LegalAct.objects.update(repealed_by=None)
    LegalAct.objects.all().delete()
    apps.get_model("reglament", "CalendarDay").objects.filter(calendar=None).delete()
    apps.get_model("reglament", "WorkCalendar").objects.all().delete()
    apps.get_model("reglament", "Region").objects.filter(code="mangystau").delete()


class Migration(migrations.Migration):
    dependencies = [("reglament", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
