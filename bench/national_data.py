"""The national load test's data set: names of the partner countries (Latin and native scripts) and the foreign
patients made from them up to the registry's benchmark size.

Django is imported inside the functions: the module is imported before bench/national_load.py sets up Django.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

SEED = 2026

# ---------------------------------------------------------------- names of the partner countries

# country: (language, [(family Latin, family native) for men], the women's forms, men's given names (Latin,
# native), women's given names (Latin, native)). Where the native script is Latin, it keeps the diacritics.
NAMES: dict[
    str, tuple[str, list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]
] = {
    "BG": (
        "bg",
        [
            ("Ivanov", "Иванов"),
            ("Georgiev", "Георгиев"),
            ("Dimitrov", "Димитров"),
            ("Petrov", "Петров"),
            ("Nikolov", "Николов"),
            ("Hristov", "Христов"),
            ("Stoyanov", "Стоянов"),
            ("Todorov", "Тодоров"),
            ("Iliev", "Илиев"),
            ("Vasilev", "Василев"),
            ("Atanasov", "Атанасов"),
            ("Angelov", "Ангелов"),
        ],
        [
            ("Ivanova", "Иванова"),
            ("Georgieva", "Георгиева"),
            ("Dimitrova", "Димитрова"),
            ("Petrova", "Петрова"),
            ("Nikolova", "Николова"),
            ("Hristova", "Христова"),
            ("Stoyanova", "Стоянова"),
            ("Todorova", "Тодорова"),
            ("Ilieva", "Илиева"),
            ("Vasileva", "Василева"),
            ("Atanasova", "Атанасова"),
            ("Angelova", "Ангелова"),
        ],
        [
            ("Georgi", "Георги"),
            ("Ivan", "Иван"),
            ("Dimitar", "Димитър"),
            ("Nikolay", "Николай"),
            ("Petar", "Петър"),
            ("Hristo", "Христо"),
            ("Stoyan", "Стоян"),
            ("Todor", "Тодор"),
        ],
        [
            ("Maria", "Мария"),
            ("Ivanka", "Иванка"),
            ("Elena", "Елена"),
            ("Yordanka", "Йорданка"),
            ("Petya", "Петя"),
            ("Desislava", "Десислава"),
            ("Gergana", "Гергана"),
            ("Radka", "Радка"),
        ],
    ),
    "RS": (
        "sr",
        [
            ("Jovanović", "Јовановић"),
            ("Petrović", "Петровић"),
            ("Nikolić", "Николић"),
            ("Marković", "Марковић"),
            ("Đorđević", "Ђорђевић"),
            ("Stojanović", "Стојановић"),
            ("Ilić", "Илић"),
            ("Stanković", "Станковић"),
            ("Pavlović", "Павловић"),
            ("Milošević", "Милошевић"),
        ],
        [],
        [
            ("Nikola", "Никола"),
            ("Marko", "Марко"),
            ("Stefan", "Стефан"),
            ("Miloš", "Милош"),
            ("Dragan", "Драган"),
            ("Zoran", "Зоран"),
            ("Nenad", "Ненад"),
        ],
        [
            ("Milica", "Милица"),
            ("Jelena", "Јелена"),
            ("Ana", "Ана"),
            ("Marija", "Марија"),
            ("Dragana", "Драгана"),
            ("Snežana", "Снежана"),
            ("Ivana", "Ивана"),
        ],
    ),
    "HR": (
        "hr",
        [
            ("Horvat", "Horvat"),
            ("Kovačević", "Kovačević"),
            ("Babić", "Babić"),
            ("Marić", "Marić"),
            ("Jurić", "Jurić"),
            ("Novak", "Novak"),
            ("Knežević", "Knežević"),
            ("Vuković", "Vuković"),
            ("Božić", "Božić"),
            ("Pavić", "Pavić"),
        ],
        [],
        [
            ("Ivan", "Ivan"),
            ("Luka", "Luka"),
            ("Josip", "Josip"),
            ("Marko", "Marko"),
            ("Tomislav", "Tomislav"),
            ("Ante", "Ante"),
        ],
        [
            ("Ana", "Ana"),
            ("Marija", "Marija"),
            ("Ivana", "Ivana"),
            ("Kata", "Kata"),
            ("Mirjana", "Mirjana"),
            ("Lucija", "Lucija"),
        ],
    ),
    "CZ": (
        "cs",
        [
            ("Novak", "Novák"),
            ("Svoboda", "Svoboda"),
            ("Novotny", "Novotný"),
            ("Dvorak", "Dvořák"),
            ("Cerny", "Černý"),
            ("Prochazka", "Procházka"),
            ("Kucera", "Kučera"),
            ("Vesely", "Veselý"),
        ],
        [
            ("Novakova", "Nováková"),
            ("Svobodova", "Svobodová"),
            ("Novotna", "Novotná"),
            ("Dvorakova", "Dvořáková"),
            ("Cerna", "Černá"),
            ("Prochazkova", "Procházková"),
            ("Kucerova", "Kučerová"),
            ("Vesela", "Veselá"),
        ],
        [
            ("Jiri", "Jiří"),
            ("Jan", "Jan"),
            ("Petr", "Petr"),
            ("Josef", "Josef"),
            ("Pavel", "Pavel"),
            ("Tomas", "Tomáš"),
        ],
        [
            ("Jana", "Jana"),
            ("Eva", "Eva"),
            ("Hana", "Hana"),
            ("Anna", "Anna"),
            ("Lenka", "Lenka"),
            ("Katerina", "Kateřina"),
        ],
    ),
    "UZ": (
        "uz",
        [
            ("Karimov", "Каримов"),
            ("Rakhimov", "Рахимов"),
            ("Yusupov", "Юсупов"),
            ("Tashkentov", "Ташкентов"),
            ("Aliyev", "Алиев"),
            ("Umarov", "Умаров"),
            ("Nazarov", "Назаров"),
            ("Sobirov", "Собиров"),
        ],
        [
            ("Karimova", "Каримова"),
            ("Rakhimova", "Рахимова"),
            ("Yusupova", "Юсупова"),
            ("Tashkentova", "Ташкентова"),
            ("Aliyeva", "Алиева"),
            ("Umarova", "Умарова"),
            ("Nazarova", "Назарова"),
            ("Sobirova", "Собирова"),
        ],
        [
            ("Dilshod", "Дилшод"),
            ("Rustam", "Рустам"),
            ("Sherzod", "Шерзод"),
            ("Bekzod", "Бекзод"),
            ("Jasur", "Жасур"),
            ("Otabek", "Отабек"),
        ],
        [
            ("Dilnoza", "Дилноза"),
            ("Gulnora", "Гулнора"),
            ("Nilufar", "Нилуфар"),
            ("Malika", "Малика"),
            ("Zarina", "Зарина"),
            ("Shahnoza", "Шахноза"),
        ],
    ),
    "KZ": (
        "kk",
        [
            ("Nurlanov", "Нұрланов"),
            ("Akhmetov", "Ахметов"),
            ("Omarov", "Омаров"),
            ("Suleimenov", "Сүлейменов"),
            ("Zhaksylykov", "Жақсылықов"),
            ("Bekov", "Беков"),
            ("Ismailov", "Исмаилов"),
            ("Kassymov", "Қасымов"),
        ],
        [
            ("Nurlanova", "Нұрланова"),
            ("Akhmetova", "Ахметова"),
            ("Omarova", "Омарова"),
            ("Suleimenova", "Сүлейменова"),
            ("Zhaksylykova", "Жақсылықова"),
            ("Bekova", "Бекова"),
            ("Ismailova", "Исмаилова"),
            ("Kassymova", "Қасымова"),
        ],
        [
            ("Aidar", "Айдар"),
            ("Nurlan", "Нұрлан"),
            ("Yerlan", "Ерлан"),
            ("Daulet", "Дәулет"),
            ("Arman", "Арман"),
            ("Askar", "Асқар"),
        ],
        [
            ("Aigerim", "Әйгерім"),
            ("Aliya", "Әлия"),
            ("Gulnara", "Гүлнара"),
            ("Dana", "Дана"),
            ("Saule", "Сәуле"),
            ("Zhanar", "Жанар"),
        ],
    ),
    "FR": (
        "fr",
        [
            ("Martin", "Martin"),
            ("Bernard", "Bernard"),
            ("Dubois", "Dubois"),
            ("Thomas", "Thomas"),
            ("Robert", "Robert"),
            ("Richard", "Richard"),
            ("Petit", "Petit"),
            ("Durand", "Durand"),
            ("Lefebvre", "Lefebvre"),
            ("Moreau", "Moreau"),
        ],
        [],
        [
            ("Jean", "Jean"),
            ("Pierre", "Pierre"),
            ("Michel", "Michel"),
            ("Francois", "François"),
            ("Jerome", "Jérôme"),
            ("Nicolas", "Nicolas"),
        ],
        [
            ("Marie", "Marie"),
            ("Nathalie", "Nathalie"),
            ("Isabelle", "Isabelle"),
            ("Helene", "Hélène"),
            ("Celine", "Céline"),
            ("Sophie", "Sophie"),
        ],
    ),
}

# What the registry is searched for: surnames (in both scripts), parts of names, given + family, registry ids,


def add_patients(total: int) -> int:
    """Foreign patients up to `total`, spread over the demo partners, in batches of 5,000."""
    from onconet.core.models import Country
    from onconet.tourism.models import ForeignPatient, Partner

    rng = random.Random(SEED)
    existing = ForeignPatient.objects.count()
    partners: dict[str, list[Partner]] = {}
    for partner in Partner.objects.select_related("country"):
        partners.setdefault(partner.country.code, []).append(partner)
    countries = {c.code: c for c in Country.objects.filter(code__in=list(NAMES))}
    codes = [code for code in NAMES if code in partners]
    batch: list[ForeignPatient] = []
    for n in range(total - existing):
        code = codes[n % len(codes)]
        language, men, women, men_given, women_given = NAMES[code]
        sex = rng.choice("FM")
        families = (women or men) if sex == "F" else men
        family, family_native = rng.choice(families)
        given, given_native = rng.choice(women_given if sex == "F" else men_given)
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(61 * 365))  # 1940–2000; the writes are younger
        batch.append(
            ForeignPatient(
                partner=rng.choice(partners[code]),
                family_name=family,
                given_name=given,
                name_native=f"{family_native} {given_native}",
                date_of_birth=born,
                sex=sex,
                citizenship=countries[code],
                passport_number=f"{code}{n:07d}",
                languages=[language, "en"] if rng.random() < 0.4 else [language],
                preferred_language=language,
                email=f"patient{n}@example.{code.lower()}",
            )
        )
        if len(batch) == 5_000:
            ForeignPatient.objects.bulk_create(batch)
            batch = []
    ForeignPatient.objects.bulk_create(batch)
    return ForeignPatient.objects.count()
