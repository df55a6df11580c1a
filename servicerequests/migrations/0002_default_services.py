"""The departments and services Ramallah starts with (names in Arabic and English). Editable
in the admin afterwards; reversing removes only these codes, and only if no request uses them."""

from django.db import migrations

DEPARTMENTS = [
    # code, English, Arabic
    ("roads", "Roads and Public Works", "دائرة الطرق والأشغال العامة"),
    ("lighting", "Street Lighting", "قسم الإنارة العامة"),
    ("water-sewerage", "Water and Sewerage", "دائرة المياه والصرف الصحي"),
    ("sanitation", "Sanitation and Environment", "دائرة الصحة والبيئة"),
    ("building-control", "Building Control", "قسم الرقابة على البناء"),
    ("parks", "Parks and Public Spaces", "دائرة الحدائق والمساحات العامة"),
]

SERVICES = [
    # code, department, group, expected days, English name, Arabic name, English description,
    # Arabic description, keywords
    (
        "streetlight-out",
        "lighting",
        "Streets",
        3,
        "Street light out",
        "إنارة شارع معطلة",
        "A street light that does not light, flickers or stays on by day.",
        "عمود إنارة لا يضيء أو يومض أو يبقى مضاءً في النهار.",
        "lamp, light, lighting",
    ),
    (
        "pothole",
        "roads",
        "Streets",
        10,
        "Pothole or damaged road",
        "حفرة أو ضرر في الطريق",
        "A hole, crack or subsidence in the road surface.",
        "حفرة أو تشقق أو هبوط في سطح الطريق.",
        "road, asphalt, hole",
    ),
    (
        "sidewalk",
        "roads",
        "Streets",
        15,
        "Damaged sidewalk",
        "رصيف متضرر",
        "Broken or missing paving, kerbs or ramps on a sidewalk.",
        "بلاط أو حجر رصيف مكسور أو مفقود أو منحدر متضرر.",
        "pavement, kerb, ramp",
    ),
    (
        "graffiti",
        "roads",
        "Streets",
        15,
        "Graffiti or vandalism",
        "كتابة على الجدران أو تخريب",
        "Graffiti or damage on public walls, signs or furniture.",
        "كتابات أو أضرار على الجدران العامة أو اللافتات أو المرافق.",
        "paint, wall, sign",
    ),
    (
        "water-leak",
        "water-sewerage",
        "Water",
        2,
        "Water leak",
        "تسرب مياه",
        "Water running from a pipe, valve or meter in the street.",
        "مياه تتسرب من أنبوب أو محبس أو عداد في الشارع.",
        "pipe, water, leak",
    ),
    (
        "sewer-blockage",
        "water-sewerage",
        "Water",
        2,
        "Sewer blockage or overflow",
        "انسداد أو فيضان الصرف الصحي",
        "A blocked or overflowing sewer, manhole or storm drain.",
        "انسداد أو فيضان في شبكة الصرف الصحي أو غرفة تفتيش أو مصرف أمطار.",
        "sewage, drain, manhole",
    ),
    (
        "waste-collection",
        "sanitation",
        "Cleanliness",
        2,
        "Missed waste collection",
        "عدم جمع النفايات",
        "Waste containers not emptied or overflowing.",
        "حاويات نفايات لم تُفرغ أو ممتلئة حتى الفيض.",
        "garbage, rubbish, container",
    ),
    (
        "illegal-dumping",
        "sanitation",
        "Cleanliness",
        5,
        "Illegal dumping",
        "إلقاء نفايات عشوائي",
        "Rubble, furniture or waste left in a street or open land.",
        "ردم أو أثاث أو نفايات متروكة في شارع أو أرض خالية.",
        "rubble, dumping",
    ),
    (
        "illegal-construction",
        "building-control",
        "Buildings",
        20,
        "Unlicensed construction",
        "بناء غير مرخص",
        "Building work that seems to have no licence or to break it.",
        "أعمال بناء تبدو دون ترخيص أو مخالفة للترخيص.",
        "building, licence, permit",
    ),
    (
        "fallen-tree",
        "parks",
        "Parks and trees",
        3,
        "Fallen or dangerous tree",
        "شجرة ساقطة أو خطرة",
        "A fallen tree or branch, or one that threatens to fall.",
        "شجرة أو غصن ساقط أو مهدد بالسقوط.",
        "tree, branch, park",
    ),
]


def services_create(apps, schema_editor):
    Department = apps.get_model("servicerequests", "Department")
    Service = apps.get_model("servicerequests", "Service")
    departments = {}
    for code, name_en, name_ar in DEPARTMENTS:
        departments[code], _ = Department.objects.get_or_create(
            code=code, defaults={"name_en": name_en, "name_ar": name_ar}
        )
    for code, dept, group, days, name_en, name_ar, desc_en, desc_ar, words in SERVICES:
        Service.objects.get_or_create(
            service_code=code,
            defaults={
                "department": departments[dept],
                "group": group,
                "expected_days": days,
                "name_en": name_en,
                "name_ar": name_ar,
                "description_en": desc_en,
                "description_ar": desc_ar,
                "keywords": words,
            },
        )


def services_remove(apps, schema_editor):
    Department = apps.get_model("servicerequests", "Department")
    Service = apps.get_model("servicerequests", "Service")
    ServiceRequest = apps.get_model("servicerequests", "ServiceRequest")
    codes = [row[0] for row in SERVICES]
    used = set(
        ServiceRequest.objects.filter(service__service_code__in=codes).values_list(
            "service__service_code", flat=True
        )
    )
    Service.objects.filter(service_code__in=set(codes) - used).delete()
    Department.objects.filter(
        code__in=[row[0] for row in DEPARTMENTS], services__isnull=True, requests__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("servicerequests", "0001_service_requests")]

    operations = [migrations.RunPython(services_create, services_remove)]
