"""The tables the synthetic population is drawn from: regions, places, names, streets,
employers, vehicles and money. Figures are rounded public statistics of Kazakhstan
(2024-2025); names are common ones, combined at random they describe nobody real.

Name entries are written ``"kk"`` or ``"kk|ru"`` when the Russian spelling is not the
Kazakh one with its Kazakh-only letters replaced (see ``names.py``). Russian given names
for men carry their patronymic forms: ``"Иван|Иванович|Ивановна"``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    kk: str
    ru: str
    en: str


@dataclass(frozen=True)
class Town:
    name: Place
    urban_weight: float  # share of the region's urban population living here


@dataclass(frozen=True)
class Region:
    """A region, or one of the three cities of republican significance."""

    code: int  # two digits, as on vehicle plates
    name: Place
    is_city: bool
    population_k: int  # thousands of people
    urban_share: float
    towns: tuple[Town, ...]  # regions: the centre first; cities: empty
    districts: tuple[Place, ...]  # regions: rural districts; cities: city districts
    # Shares of the ethnic groups of ETHNIC_GROUPS, in that order.
    ethnic_shares: tuple[float, float, float, float, float, float]
    extra_children: float  # families have 1 + Poisson(extra_children) children
    mean_wage_kzt: int


def _d(kk: str, ru: str, en: str) -> Place:
    return Place(f"{kk} ауданы", f"{ru} район", f"{en} District")


def _town(kk: str, ru: str, en: str, weight: float) -> Town:
    return Town(Place(f"{kk} қаласы", f"город {ru}", f"{en} City"), weight)


ETHNIC_GROUPS = ("kazakh", "slavic", "uzbek", "tatar", "korean", "german")
KAZAKH, SLAVIC, UZBEK, TATAR, KOREAN, GERMAN = range(6)

# Ordered as the regions are numbered in the address register of this generator.
REGIONS: tuple[Region, ...] = (
    Region(
        1, Place("Астана қаласы", "город Астана", "Astana"), True, 1_350, 1.0, (),
        (_d("Алматы", "Алматинский", "Almaty"), _d("Байқоңыр", "Байконурский", "Baikonur"),
         _d("Есіл", "Есильский", "Yesil"), _d("Сарыарқа", "Сарыаркинский", "Saryarka"),
         _d("Нұра", "Нуринский", "Nura")),
        (0.80, 0.12, 0.02, 0.03, 0.01, 0.02), 1.5, 590_000
    ),
    Region(
        2, Place("Алматы қаласы", "город Алматы", "Almaty"), True, 2_230, 1.0, (),
        (_d("Алатау", "Алатауский", "Alatau"), _d("Алмалы", "Алмалинский", "Almaly"),
         _d("Әуезов", "Ауэзовский", "Auezov"), _d("Бостандық", "Бостандыкский", "Bostandyk"),
         _d("Жетісу", "Жетысуский", "Zhetysu"), _d("Медеу", "Медеуский", "Medeu"),
         _d("Наурызбай", "Наурызбайский", "Nauryzbay"), _d("Түрксіб", "Турксибский", "Turksib")),
        (0.62, 0.24, 0.07, 0.03, 0.03, 0.01), 1.3, 560_000
    ),
    Region(
        17, Place("Шымкент қаласы", "город Шымкент", "Shymkent"), True, 1_220, 1.0, (),
        (_d("Абай", "Абайский", "Abay"), _d("Әл-Фараби", "Аль-Фарабийский", "Al-Farabi"),
         _d("Еңбекші", "Енбекшинский", "Yenbekshi"), _d("Қаратау", "Каратауский", "Karatau"),
         _d("Тұран", "Туранский", "Turan")),
        (0.70, 0.08, 0.19, 0.02, 0.005, 0.005), 1.9, 330_000
    ),
    Region(
        18, Place("Абай облысы", "Абайская область", "Abai Region"), False, 605, 0.55,
        (_town("Семей", "Семей", "Semey", 0.85), _town("Курчатов", "Курчатов", "Kurchatov", 0.15)),
        (_d("Аягөз", "Аягозский", "Ayagoz"), _d("Бесқарағай", "Бескарагайский", "Beskaragay"),
         _d("Бородулиха", "Бородулихинский", "Borodulikha"), _d("Жарма", "Жарминский", "Zharma"),
         _d("Үржар", "Урджарский", "Urzhar")),
        (0.75, 0.20, 0.01, 0.02, 0.005, 0.015), 1.4, 380_000
    ),
    Region(
        3, Place("Ақмола облысы", "Акмолинская область", "Akmola Region"), False, 790, 0.50,
        (_town("Көкшетау", "Кокшетау", "Kokshetau", 0.65),
         _town("Степногорск", "Степногорск", "Stepnogorsk", 0.35)),
        (_d("Бурабай", "Бурабайский", "Burabay"), _d("Целиноград", "Целиноградский", "Tselinograd"),
         _d("Шортанды", "Шортандинский", "Shortandy"), _d("Зеренді", "Зерендинский", "Zerendi"),
         _d("Атбасар", "Атбасарский", "Atbasar")),
        (0.55, 0.33, 0.01, 0.03, 0.01, 0.07), 1.2, 370_000
    ),
    Region(
        4, Place("Ақтөбе облысы", "Актюбинская область", "Aktobe Region"), False, 930, 0.68,
        (_town("Ақтөбе", "Актобе", "Aktobe", 0.92), _town("Хромтау", "Хромтау", "Khromtau", 0.08)),
        (_d("Алға", "Алгинский", "Alga"), _d("Мұғалжар", "Мугалжарский", "Mugalzhar"),
         _d("Қарғалы", "Каргалинский", "Kargaly"), _d("Мәртөк", "Мартукский", "Martuk")),
        (0.87, 0.09, 0.005, 0.02, 0.005, 0.01), 1.5, 380_000
    ),
    Region(
        5, Place("Алматы облысы", "Алматинская область", "Almaty Region"), False, 1_530, 0.30,
        (_town("Қонаев", "Конаев", "Konaev", 0.5), _town("Қаскелең", "Каскелен", "Kaskelen", 0.5)),
        (_d("Қарасай", "Карасайский", "Karasay"), _d("Талғар", "Талгарский", "Talgar"),
         _d("Еңбекшіқазақ", "Енбекшиказахский", "Yenbekshikazakh"), _d("Іле", "Илийский", "Ile"),
         _d("Жамбыл", "Жамбылский", "Zhambyl")),
        (0.68, 0.14, 0.12, 0.02, 0.03, 0.01), 1.7, 350_000
    ),
    Region(
        6, Place("Атырау облысы", "Атырауская область", "Atyrau Region"), False, 700, 0.55,
        (_town("Атырау", "Атырау", "Atyrau", 0.9), _town("Құлсары", "Кульсары", "Kulsary", 0.1)),
        (_d("Жылыой", "Жылыойский", "Zhylyoi"), _d("Мақат", "Макатский", "Makat"),
         _d("Исатай", "Исатайский", "Isatay"), _d("Құрманғазы", "Курмангазинский", "Kurmangazy"),
         _d("Индер", "Индерский", "Inder")),
        (0.93, 0.05, 0.005, 0.01, 0.0025, 0.0025), 1.9, 780_000
    ),
    Region(
        7, Place("Батыс Қазақстан облысы", "Западно-Казахстанская область",
                 "West Kazakhstan Region"), False, 690, 0.54,
        (_town("Орал", "Уральск", "Oral", 0.85), _town("Ақсай", "Аксай", "Aksay", 0.15)),
        (_d("Бәйтерек", "Байтерекский", "Baiterek"), _d("Бөрлі", "Бурлинский", "Burli"),
         _d("Теректі", "Теректинский", "Terekti"), _d("Ақжайық", "Акжаикский", "Akzhaiyk")),
        (0.80, 0.16, 0.005, 0.02, 0.005, 0.01), 1.4, 400_000
    ),
    Region(
        8, Place("Жамбыл облысы", "Жамбылская область", "Zhambyl Region"), False, 1_220, 0.45,
        (_town("Тараз", "Тараз", "Taraz", 0.85), _town("Шу", "Шу", "Shu", 0.15)),
        (_d("Байзақ", "Байзакский", "Baizak"), _d("Жамбыл", "Жамбылский", "Zhambyl"),
         _d("Қордай", "Кордайский", "Korday"), _d("Меркі", "Меркенский", "Merki")),
        (0.75, 0.09, 0.09, 0.02, 0.02, 0.03), 1.8, 300_000
    ),
    Region(
        19, Place("Жетісу облысы", "Область Жетісу", "Zhetysu Region"), False, 700, 0.45,
        (_town("Талдықорған", "Талдыкорган", "Taldykorgan", 0.8),
         _town("Текелі", "Текели", "Tekeli", 0.2)),
        (_d("Ескелді", "Ескельдинский", "Eskeldi"), _d("Қаратал", "Каратальский", "Karatal"),
         _d("Көксу", "Коксуский", "Koksu"), _d("Сарқан", "Сарканский", "Sarkand"),
         _d("Панфилов", "Панфиловский", "Panfilov")),
        (0.72, 0.15, 0.08, 0.02, 0.02, 0.01), 1.6, 320_000
    ),
    Region(
        9, Place("Қарағанды облысы", "Карагандинская область", "Karaganda Region"), False,
        1_130, 0.82,
        (_town("Қарағанды", "Караганда", "Karaganda", 0.62),
         _town("Теміртау", "Темиртау", "Temirtau", 0.23),
         _town("Балқаш", "Балхаш", "Balkhash", 0.15)),
        (_d("Бұқар жырау", "Бухар-Жырауский", "Bukhar-Zhyrau"), _d("Абай", "Абайский", "Abay"),
         _d("Нұра", "Нуринский", "Nura"), _d("Осакаров", "Осакаровский", "Osakarovka"),
         _d("Қарқаралы", "Каркаралинский", "Karkaraly")),
        (0.55, 0.33, 0.01, 0.04, 0.02, 0.05), 1.2, 430_000
    ),
    Region(
        10, Place("Қостанай облысы", "Костанайская область", "Kostanay Region"), False, 830, 0.55,
        (_town("Қостанай", "Костанай", "Kostanay", 0.6), _town("Рудный", "Рудный", "Rudny", 0.3),
         _town("Лисаковск", "Лисаковск", "Lisakovsk", 0.1)),
        (_d("Қостанай", "Костанайский", "Kostanay"), _d("Федоров", "Федоровский", "Fyodorov"),
         _d("Әулиекөл", "Аулиекольский", "Auliekol"), _d("Қарабалық", "Карабалыкский", "Karabalyk"),
         _d("Меңдіқара", "Мендыкаринский", "Mendykara")),
        (0.45, 0.42, 0.005, 0.04, 0.005, 0.08), 1.1, 360_000
    ),
    Region(
        11, Place("Қызылорда облысы", "Кызылординская область", "Kyzylorda Region"), False,
        830, 0.45,
        (_town("Қызылорда", "Кызылорда", "Kyzylorda", 0.85),
         _town("Арал", "Аральск", "Aral", 0.15)),
        (_d("Шиелі", "Шиелийский", "Shieli"), _d("Жалағаш", "Жалагашский", "Zhalagash"),
         _d("Сырдария", "Сырдарьинский", "Syrdarya"), _d("Қазалы", "Казалинский", "Kazaly")),
        (0.96, 0.02, 0.005, 0.005, 0.008, 0.002), 2.0, 350_000
    ),
    Region(
        12, Place("Маңғыстау облысы", "Мангистауская область", "Mangystau Region"), False,
        770, 0.45,
        (_town("Ақтау", "Актау", "Aktau", 0.7), _town("Жаңаөзен", "Жанаозен", "Zhanaozen", 0.3)),
        (_d("Мұнайлы", "Мунайлинский", "Munaily"), _d("Қарақия", "Каракиянский", "Karakiya"),
         _d("Түпқараған", "Тупкараганский", "Tupkaragan"), _d("Бейнеу", "Бейнеуский", "Beineu")),
        (0.93, 0.05, 0.005, 0.01, 0.0025, 0.0025), 2.1, 620_000
    ),
    Region(
        14, Place("Павлодар облысы", "Павлодарская область", "Pavlodar Region"), False, 750, 0.72,
        (_town("Павлодар", "Павлодар", "Pavlodar", 0.65),
         _town("Екібастұз", "Экибастуз", "Ekibastuz", 0.25), _town("Ақсу", "Аксу", "Aksu", 0.10)),
        (_d("Павлодар", "Павлодарский", "Pavlodar"), _d("Ертіс", "Иртышский", "Irtysh"),
         _d("Баянауыл", "Баянаульский", "Bayanaul"), _d("Шарбақты", "Щербактинский", "Sharbakty")),
        (0.55, 0.36, 0.005, 0.03, 0.005, 0.05), 1.2, 420_000
    ),
    Region(
        15, Place("Солтүстік Қазақстан облысы", "Северо-Казахстанская область",
                  "North Kazakhstan Region"), False, 530, 0.47,
        (_town("Петропавл", "Петропавловск", "Petropavl", 1.0),),
        (_d("Қызылжар", "Кызылжарский", "Kyzylzhar"), _d("Есіл", "Есильский", "Yesil"),
         _d("Мамлют", "Мамлютский", "Mamlyut"), _d("Тайынша", "Тайыншинский", "Taiynsha"),
         _d("Аққайың", "Аккайынский", "Akkayin")),
        (0.40, 0.49, 0.005, 0.03, 0.005, 0.07), 1.0, 330_000
    ),
    Region(
        13, Place("Түркістан облысы", "Туркестанская область", "Turkistan Region"), False,
        2_140, 0.22,
        (_town("Түркістан", "Туркестан", "Turkistan", 0.55),
         _town("Кентау", "Кентау", "Kentau", 0.45)),
        (_d("Сайрам", "Сайрамский", "Sairam"), _d("Төлеби", "Толебийский", "Tolebi"),
         _d("Сарыағаш", "Сарыагашский", "Saryagash"),
         _d("Мақтаарал", "Мактааральский", "Maktaaral"),
         _d("Қазығұрт", "Казыгуртский", "Kazygurt"), _d("Ордабасы", "Ордабасинский", "Ordabasy")),
        (0.80, 0.02, 0.17, 0.005, 0.003, 0.002), 2.1, 300_000
    ),
    Region(
        20, Place("Ұлытау облысы", "Область Ұлытау", "Ulytau Region"), False, 220, 0.80,
        (_town("Жезқазған", "Жезказган", "Zhezkazgan", 0.6),
         _town("Сәтбаев", "Сатпаев", "Satbayev", 0.4)),
        (_d("Ұлытау", "Улытауский", "Ulytau"), _d("Жаңаарқа", "Жанааркинский", "Zhanaarka")),
        (0.80, 0.14, 0.005, 0.03, 0.01, 0.015), 1.4, 580_000
    ),
    Region(
        16, Place("Шығыс Қазақстан облысы", "Восточно-Казахстанская область",
                  "East Kazakhstan Region"), False, 720, 0.68,
        (_town("Өскемен", "Усть-Каменогорск", "Oskemen", 0.75),
         _town("Риддер", "Риддер", "Ridder", 0.25)),
        (_d("Глубокое", "Глубоковский", "Glubokoye"),
         _d("Шемонаиха", "Шемонаихинский", "Shemonaikha"),
         _d("Зайсан", "Зайсанский", "Zaisan"), _d("Алтай", "Алтайский", "Altai"),
         _d("Ұлан", "Уланский", "Ulan")),
        (0.62, 0.33, 0.005, 0.02, 0.005, 0.02), 1.1, 430_000
    ),
)  # fmt: skip

# Villages: (kk, ru, en) of the name; "ауылы" / "село" / "village" is added.
VILLAGES: tuple[tuple[str, str, str], ...] = (
    ("Ақсу", "Аксу", "Aksu"), ("Бірлік", "Бирлик", "Birlik"),
    ("Жаңаауыл", "Жанаауыл", "Zhanaauyl"), ("Қызылжар", "Кызылжар", "Kyzylzhar"),
    ("Қарабұлақ", "Карабулак", "Karabulak"), ("Талдыбұлақ", "Талдыбулак", "Taldybulak"),
    ("Көктөбе", "Коктобе", "Koktobe"), ("Сарыөзек", "Сарыозек", "Saryozek"),
    ("Жаңажол", "Жанажол", "Zhanazhol"), ("Ақжар", "Акжар", "Akzhar"),
    ("Бестерек", "Бестерек", "Besterek"), ("Қараой", "Караой", "Karaoi"),
    ("Шұбаркөл", "Шубарколь", "Shubarkol"), ("Тасты", "Тасты", "Tasty"),
    ("Майтөбе", "Майтобе", "Maitobe"), ("Қоғалы", "Когалы", "Kogaly"),
    ("Алғабас", "Алгабас", "Algabas"), ("Көкжиек", "Кокжиек", "Kokzhiek"),
    ("Достық", "Достык", "Dostyk"), ("Ынтымақ", "Ынтымак", "Yntymak"),
    ("Береке", "Береке", "Bereke"), ("Қайнар", "Кайнар", "Kainar"),
    ("Ақши", "Акши", "Akshi"), ("Жетіген", "Жетыген", "Zhetygen"),
    ("Самал", "Самал", "Samal"), ("Шалқар", "Шалкар", "Shalkar"),
    ("Үшқоңыр", "Ушконыр", "Ushkonyr"), ("Көлсай", "Кольсай", "Kolsai"),
    ("Михайловка", "Михайловка", "Mikhailovka"), ("Николаевка", "Николаевка", "Nikolaevka"),
    ("Покровка", "Покровка", "Pokrovka"), ("Ивановка", "Ивановка", "Ivanovka"),
    ("Степное", "Степное", "Stepnoye"), ("Зеленый Гай", "Зеленый Гай", "Zeleny Gai"),
    ("Қаратөбе", "Каратобе", "Karatobe"), ("Жалпақ", "Жалпак", "Zhalpak"),
    ("Аралтөбе", "Аралтобе", "Araltobe"), ("Бәйтерек", "Байтерек", "Baiterek"),
    ("Ақтерек", "Актерек", "Akterek"), ("Кеңес", "Кенес", "Kenes"),
)  # fmt: skip
VILLAGES_PER_DISTRICT = 6

# Streets: the name in Kazakh, in the form Russian puts after "улица", and in English.
STREETS: tuple[tuple[str, str, str], ...] = (
    ("Абай", "Абая", "Abay"), ("Достық", "Достык", "Dostyk"),
    ("Тәуелсіздік", "Тауелсиздик", "Tauelsizdik"), ("Республика", "Республики", "Respublika"),
    ("Бейбітшілік", "Бейбитшилик", "Beibitshilik"), ("Сейфуллин", "Сейфуллина", "Seifullin"),
    ("Жамбыл", "Жамбыла", "Zhambyl"), ("Әуезов", "Ауэзова", "Auezov"),
    ("Қонаев", "Кунаева", "Konaev"), ("Төле би", "Толе би", "Tole Bi"),
    ("Қабанбай батыр", "Кабанбай батыра", "Kabanbay Batyr"),
    ("Бөгенбай батыр", "Богенбай батыра", "Bogenbay Batyr"),
    ("Наурызбай батыр", "Наурызбай батыра", "Nauryzbay Batyr"),
    ("Райымбек", "Райымбека", "Raiymbek"), ("Гоголь", "Гоголя", "Gogol"),
    ("Пушкин", "Пушкина", "Pushkin"), ("Шевченко", "Шевченко", "Shevchenko"),
    ("Гагарин", "Гагарина", "Gagarin"), ("Момышұлы", "Момышулы", "Momyshuly"),
    ("Мұқанов", "Муканова", "Mukanov"), ("Майлин", "Майлина", "Mailin"),
    ("Сәтбаев", "Сатпаева", "Satbayev"), ("Жансүгіров", "Жансугурова", "Zhansugurov"),
    ("Байтұрсынов", "Байтурсынова", "Baitursynov"),
    ("Шоқан Уәлиханов", "Чокана Валиханова", "Shokan Ualikhanov"),
    ("Ыбырай Алтынсарин", "Ибрая Алтынсарина", "Ybyrai Altynsarin"),
    ("Мағжан Жұмабаев", "Магжана Жумабаева", "Magzhan Zhumabayev"),
    ("Кенесары", "Кенесары", "Kenesary"), ("Әл-Фараби", "аль-Фараби", "Al-Farabi"),
    ("Желтоқсан", "Желтоксан", "Zheltoksan"), ("Жібек жолы", "Жибек жолы", "Zhibek Zholy"),
    ("Бірлік", "Бирлик", "Birlik"), ("Жастар", "Жастар", "Zhastar"),
    ("Ынтымақ", "Ынтымак", "Yntymak"), ("Мектеп", "Мектеп", "Mektep"),
    ("Өркен", "Оркен", "Orken"), ("Болашақ", "Болашак", "Bolashak"),
    ("Алатау", "Алатау", "Alatau"), ("Сарыарқа", "Сарыарка", "Saryarka"),
    ("Есіл", "Есиль", "Yesil"), ("Жетісу", "Жетысу", "Zhetysu"),
    ("Ломоносов", "Ломоносова", "Lomonosov"), ("Чехов", "Чехова", "Chekhov"),
    ("Толстой", "Толстого", "Tolstoy"), ("Лермонтов", "Лермонтова", "Lermontov"),
    ("Құрманғазы", "Курмангазы", "Kurmangazy"), ("Абылай хан", "Абылай хана", "Abylai Khan"),
    ("Қазыбек би", "Казыбек би", "Kazybek Bi"), ("Әйтеке би", "Айтеке би", "Aiteke Bi"),
    ("Мәншүк Мәметова", "Маншук Маметовой", "Manshuk Mametova"),
    ("Әлия Молдағұлова", "Алии Молдагуловой", "Aliya Moldagulova"),
    ("Байзақов", "Байзакова", "Baizakov"), ("Жандосов", "Жандосова", "Zhandosov"),
    ("Тимирязев", "Тимирязева", "Timiryazev"), ("Розыбакиев", "Розыбакиева", "Rozybakiev"),
    ("Шәмші Қалдаяқов", "Шамши Калдаякова", "Shamshi Kaldayakov"),
    ("Ахмет Жұбанов", "Ахмета Жубанова", "Akhmet Zhubanov"),
    ("Бауыржан Момышұлы", "Бауыржана Момышулы", "Baurzhan Momyshuly"),
    ("Сәкен Сейфуллин", "Сакена Сейфуллина", "Saken Seifullin"),
    ("Мұхтар Әуезов", "Мухтара Ауэзова", "Mukhtar Auezov"),
)  # fmt: skip
# Kinds of street: Kazakh suffix, Russian prefix, English suffix, and how common.
STREET_KINDS: tuple[tuple[str, str, str, float], ...] = (
    ("көшесі", "улица", "Street", 0.82),
    ("даңғылы", "проспект", "Avenue", 0.06),
    ("тұйық көшесі", "переулок", "Lane", 0.08),
    ("шағын ауданы", "микрорайон", "Microdistrict", 0.04),
)

KAZAKH_MALE = (
    "Ержан", "Нұрлан", "Асқар", "Бауыржан", "Ерлан", "Данияр", "Айдос", "Арман", "Ақжол",
    "Ерболат", "Серік", "Мұрат", "Қайрат", "Марат", "Әлихан", "Нұрсұлтан", "Ерасыл", "Мирас",
    "Ислам", "Омар", "Алмас", "Бекзат", "Дәурен", "Ғалым", "Жандос", "Жасұлан", "Қанат",
    "Мақсат", "Нұрбол", "Рүстем|Рустем", "Самат", "Талғат", "Тимур", "Ұлан", "Шыңғыс", "Ернар",
    "Азамат", "Абылай", "Айбек", "Әділет", "Бақытжан|Бахытжан", "Дәулет", "Елдос",
    "Еркебұлан", "Жомарт", "Қуаныш", "Мейіржан|Мейржан", "Нұржан", "Санжар", "Темірлан",
    "Әли", "Әмір|Амир", "Ахмет", "Болат", "Ғабит", "Бейбіт", "Берік", "Сұлтан", "Ерғали",
    "Жақсылық", "Төлеген", "Асылбек", "Бекжан", "Қасым", "Алихан", "Ерқанат", "Нұрислам",
)  # fmt: skip
KAZAKH_FEMALE = (
    "Айгерім", "Айгүл|Айгуль", "Гүлнар|Гульнар", "Әсел|Асель", "Дана", "Жанар", "Ақбота",
    "Аружан", "Динара", "Жансая", "Камила", "Мадина", "Назерке", "Салтанат", "Сәуле",
    "Томирис", "Ұлжан", "Гүлмира|Гульмира", "Жұлдыз", "Лаура", "Мөлдір|Мольдир",
    "Нұргүл|Нургуль", "Алтынай", "Айсұлу", "Баян", "Гауһар|Гаухар", "Дариға", "Жадыра",
    "Зарина", "Индира", "Ләззат|Ляззат", "Меруерт", "Перизат", "Сымбат", "Толқын", "Ақмарал",
    "Бибігүл|Бибигуль", "Күләш|Куляш", "Райхан", "Сабина", "Әлия|Алия", "Аяжан", "Інкәр",
    "Айым", "Айлин", "Хадиша", "Әнел|Анель", "Фатима", "Асылым", "Жібек", "Қарлығаш",
    "Нәзира|Назира", "Роза", "Айзере", "Малика", "Әмина|Амина",
)  # fmt: skip
# Surnames in the male form; female forms are made by the rules in names.py.
KAZAKH_SURNAMES = (
    "Ахметов", "Жұмабаев", "Нұрланов", "Сейтқалиев", "Омаров", "Әбдірахманов|Абдрахманов",
    "Қасымов", "Исмаилов", "Тоқтаров", "Бекмұханбетов", "Серікбаев", "Әлиев", "Жақсылықов",
    "Сәрсенбаев", "Байжанов", "Мұхамеджанов", "Тұрсынов|Турсунов", "Есенов", "Ермеков",
    "Құнанбаев", "Оспанов", "Қалиев", "Мұқанов", "Темірбеков", "Бейсенов", "Жолдасбеков",
    "Нұрмағамбетов", "Садықов", "Әбілов", "Төлегенов", "Дәулетов", "Иманғалиев", "Кенжебаев",
    "Рахымжанов|Рахимжанов", "Смағұлов", "Шәріпов", "Ысқақов|Искаков", "Айтбаев",
    "Жанұзақов", "Мамыров", "Сапаров", "Тәжібаев", "Үсенов", "Қожахметов",
    "Әубәкіров|Аубакиров", "Бекболатов", "Дүйсенов|Дюсенов", "Ержанов", "Жүнісов|Жунусов",
    "Мусин", "Нұрпейісов|Нурпеисов", "Оразов", "Рысқұлов", "Сұлтанов", "Тілеубаев|Тлеубаев",
    "Ахметжанов", "Байтұрсынов", "Әметов|Аметов", "Ибраев", "Кәрімов|Каримов",
)  # fmt: skip

SLAVIC_MALE = (
    "Александр|Александрович|Александровна", "Сергей|Сергеевич|Сергеевна",
    "Дмитрий|Дмитриевич|Дмитриевна", "Андрей|Андреевич|Андреевна",
    "Алексей|Алексеевич|Алексеевна", "Владимир|Владимирович|Владимировна",
    "Николай|Николаевич|Николаевна", "Иван|Иванович|Ивановна",
    "Евгений|Евгеньевич|Евгеньевна", "Михаил|Михайлович|Михайловна",
    "Виктор|Викторович|Викторовна", "Юрий|Юрьевич|Юрьевна", "Олег|Олегович|Олеговна",
    "Павел|Павлович|Павловна", "Игорь|Игоревич|Игоревна", "Артём|Артёмович|Артёмовна",
    "Максим|Максимович|Максимовна", "Денис|Денисович|Денисовна", "Роман|Романович|Романовна",
    "Константин|Константинович|Константиновна", "Анатолий|Анатольевич|Анатольевна",
    "Василий|Васильевич|Васильевна", "Пётр|Петрович|Петровна",
    "Григорий|Григорьевич|Григорьевна", "Валерий|Валерьевич|Валерьевна",
    "Никита|Никитич|Никитична", "Илья|Ильич|Ильинична", "Кирилл|Кириллович|Кирилловна",
    "Степан|Степанович|Степановна", "Фёдор|Фёдорович|Фёдоровна",
    "Вадим|Вадимович|Вадимовна", "Геннадий|Геннадьевич|Геннадьевна",
)  # fmt: skip
SLAVIC_FEMALE = (
    "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Светлана", "Анна", "Мария", "Екатерина",
    "Юлия", "Людмила", "Галина", "Анастасия", "Валентина", "Надежда", "Марина", "Оксана",
    "Виктория", "Дарья", "Полина", "Алина", "Ксения", "Софья", "Вера", "Любовь", "Лариса",
    "Нина", "Алёна", "Вероника", "Кристина",
)  # fmt: skip
SLAVIC_SURNAMES = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Сергеев",
    "Кузьмин", "Фролов", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Шевченко", "Бондаренко",
    "Коваленко", "Ткаченко", "Кравченко", "Мельник", "Савицкий", "Ковальчук",
)  # fmt: skip

UZBEK_MALE = (
    "Рустам", "Шухрат", "Бахтияр", "Азиз", "Улугбек", "Анвар", "Дилшод", "Фаррух", "Шерзод",
    "Жамшид", "Нодир", "Ойбек", "Санжар", "Абдулла", "Муслим", "Исмаил", "Алишер", "Мурод",
)  # fmt: skip
UZBEK_FEMALE = (
    "Дильноза", "Гульнара", "Зульфия", "Нигора", "Малика", "Фируза", "Нилуфар", "Шахноза",
    "Мухаббат", "Мадина", "Севара", "Дилафруз", "Зарина", "Мохира",
)  # fmt: skip
UZBEK_SURNAMES = (
    "Юсупов", "Каримов", "Рахимов", "Хасанов", "Абдуллаев", "Мирзаев", "Усманов", "Турсунов",
    "Ахмедов", "Алимов", "Назаров", "Хамидов", "Юлдашев", "Садыков", "Мамедов", "Расулов",
)  # fmt: skip
TATAR_MALE = (
    "Ильдар", "Ринат", "Руслан", "Эльдар", "Ильяс", "Фарид", "Равиль", "Рафаэль", "Марсель",
    "Айдар", "Тагир", "Ренат", "Альберт", "Рамиль",
)  # fmt: skip
TATAR_FEMALE = (
    "Эльмира", "Диляра", "Альбина", "Регина", "Лилия", "Рената", "Гульшат", "Алсу", "Резеда",
    "Венера", "Ляйсан", "Эльвира",
)  # fmt: skip
TATAR_SURNAMES = (
    "Галиев", "Хайруллин", "Нуриев", "Сабиров", "Закиров", "Валиев", "Гарипов", "Шарипов",
    "Хабибуллин", "Мухаметшин", "Сафин", "Ибрагимов", "Гилязов", "Хусаинов",
)  # fmt: skip
KOREAN_SURNAMES = ("Ким", "Пак", "Цой", "Ли", "Тен", "Хан", "Югай", "Кан", "Шин", "Пан")
GERMAN_SURNAMES = (
    "Шмидт", "Вагнер", "Миллер", "Шнайдер", "Вебер", "Майер", "Беккер", "Шульц", "Фишер",
    "Келлер", "Гофман", "Рихтер", "Кригер", "Нойман",
)  # fmt: skip

# Employers: words of brand names (kk|ru spelling, English) and how names are dressed.
BRAND_FIRST = (
    ("Алтын", "Altyn"), ("Ақ|Ак", "Ak"), ("Көк|Кок", "Kok"), ("Жаңа|Жана", "Zhana"),
    ("Нұр|Нур", "Nur"), ("Ұлы|Улы", "Uly"), ("Сары", "Sary"), ("Бай", "Bai"),
    ("Асыл", "Asyl"), ("Дала", "Dala"), ("Самұрық|Самрук", "Samruk"), ("Тұлпар|Тулпар", "Tulpar"),
    ("Қыран|Кыран", "Kyran"), ("Еуразия|Евразия", "Eurasia"), ("Арай", "Arai"),
    ("Шұғыла|Шугыла", "Shugyla"), ("Береке", "Bereke"), ("Атамекен", "Atameken"),
    ("Жетісу|Жетысу", "Zhetysu"), ("Сарыарқа|Сарыарка", "Saryarka"), ("Каспий", "Caspian"),
    ("Алатау", "Alatau"), ("Болашақ|Болашак", "Bolashak"), ("Нұрлы|Нурлы", "Nurly"),
)  # fmt: skip
BRAND_SECOND = (
    ("Құрылыс|Курылыс", "Kurylys"), ("Сервис", "Service"), ("Трейд", "Trade"),
    ("Групп", "Group"), ("Строй", "Stroy"), ("Агро", "Agro"), ("Логистик", "Logistics"),
    ("Инвест", "Invest"), ("Моторс", "Motors"), ("Энерго", "Energo"), ("Фарм", "Pharm"),
    ("Тех", "Tech"), ("Маркет", "Market"), ("Транс", "Trans"), ("Медиа", "Media"),
    ("Консалтинг", "Consulting"), ("Ойл", "Oil"), ("Мет", "Met"), ("Тамақ|Тамак", "Tamak"),
    ("Дизайн", "Design"),
)  # fmt: skip


@dataclass(frozen=True)
class EmployerKind:
    legal_form: str  # as stored in LegalEntityRecord.legal_form
    weight: float  # share of employers
    size_weight: float  # relative number of employees
    wage_factor: float  # relative to the regional mean wage
    positions: tuple[str, ...]


COMMERCIAL_POSITIONS = (
    "sales manager", "shop assistant", "driver", "engineer", "accountant", "operator",
    "labourer", "software developer", "cashier", "welder", "electrician", "mechanic", "cook",
    "waiter", "economist", "lawyer", "storekeeper", "security guard", "fitter",
    "machine operator", "construction worker", "courier", "hr specialist", "director",
)  # fmt: skip
PUBLIC_POSITIONS = (
    "teacher", "nursery teacher", "doctor", "nurse", "chief specialist", "leading specialist",
    "accountant", "driver", "cleaner", "watchman", "head of department", "librarian",
    "social worker", "lab assistant",
)  # fmt: skip
EMPLOYER_KINDS: tuple[EmployerKind, ...] = (
    EmployerKind("LLP", 0.80, 1.0, 1.0, COMMERCIAL_POSITIONS),
    EmployerKind("JSC", 0.02, 12.0, 1.45, COMMERCIAL_POSITIONS),
    EmployerKind("State institution", 0.13, 4.0, 0.82, PUBLIC_POSITIONS),
    EmployerKind("State enterprise", 0.05, 3.0, 0.9, PUBLIC_POSITIONS),
)
# Names of public bodies: (kk, ru, en) templates over a number.
PUBLIC_BODY_NAMES: tuple[tuple[str, str, str], ...] = (
    ("№ {n} жалпы білім беретін мектеп", "Общеобразовательная школа № {n}",
     "Comprehensive School No. {n}"),
    ("№ {n} мектеп-гимназия", "Школа-гимназия № {n}", "School-Gymnasium No. {n}"),
    ("№ {n} балабақша", "Детский сад № {n}", "Kindergarten No. {n}"),
    ("№ {n} қалалық емхана", "Городская поликлиника № {n}", "City Polyclinic No. {n}"),
    ("№ {n} аудандық аурухана", "Районная больница № {n}", "District Hospital No. {n}"),
    ("№ {n} колледж", "Колледж № {n}", "College No. {n}"),
)  # fmt: skip


@dataclass(frozen=True)
class VehicleModel:
    make: str
    model: str
    wmi: str  # world manufacturer identifier, the first three VIN characters
    descriptor: str  # five VIN characters describing the model
    weight: float
    first_year: int
    last_year: int


VEHICLE_MODELS: tuple[VehicleModel, ...] = (
    VehicleModel("Toyota", "Camry", "JTN", "BE3HK", 9.0, 2002, 2025),
    VehicleModel("Toyota", "Corolla", "JTD", "BR3FE", 4.0, 2003, 2025),
    VehicleModel("Toyota", "Land Cruiser Prado", "JTE", "BH9FJ", 3.0, 2005, 2025),
    VehicleModel("Toyota", "RAV4", "JTM", "RF4EV", 2.5, 2008, 2025),
    VehicleModel("Lexus", "RX", "JTJ", "BK1BA", 1.5, 2006, 2024),
    VehicleModel("Lada", "Granta", "XTA", "21905", 6.0, 2012, 2025),
    VehicleModel("Lada", "Vesta", "XTA", "GFL11", 3.0, 2016, 2025),
    VehicleModel("Lada", "Niva", "XTA", "21214", 3.0, 1995, 2025),
    VehicleModel("Lada", "2107", "XTA", "21070", 3.0, 1990, 2012),
    VehicleModel("Hyundai", "Accent", "KMH", "CT41D", 5.0, 2006, 2020),
    VehicleModel("Hyundai", "Elantra", "KMH", "DH41E", 3.0, 2010, 2025),
    VehicleModel("Hyundai", "Tucson", "KMH", "J381A", 3.0, 2010, 2025),
    VehicleModel("Hyundai", "Sonata", "KMH", "E341C", 2.0, 2010, 2025),
    VehicleModel("Kia", "Rio", "KNA", "DN412", 3.0, 2011, 2024),
    VehicleModel("Kia", "Sportage", "KNA", "PB813", 2.0, 2011, 2025),
    VehicleModel("Chevrolet", "Cobalt", "XWB", "JA69V", 4.0, 2013, 2025),
    VehicleModel("Chevrolet", "Nexia", "XWB", "TA69Y", 3.0, 2016, 2025),
    VehicleModel("Chevrolet", "Onix", "XWB", "MA48B", 1.5, 2023, 2025),
    VehicleModel("Daewoo", "Nexia", "XWB", "3K1B1", 3.0, 1996, 2016),
    VehicleModel("Volkswagen", "Passat", "WVW", "ZZZ3C", 3.0, 1990, 2015),
    VehicleModel("Volkswagen", "Polo", "XW8", "ZZZ61", 2.0, 2011, 2020),
    VehicleModel("Mercedes-Benz", "E-Class", "WDD", "2120A", 2.5, 1995, 2024),
    VehicleModel("Audi", "A6", "WAU", "ZZZ4F", 2.0, 1995, 2018),
    VehicleModel("Audi", "100", "WAU", "ZZZ44", 1.5, 1985, 1994),
    VehicleModel("BMW", "5 Series", "WBA", "JA510", 1.5, 1996, 2024),
    VehicleModel("Nissan", "X-Trail", "JN1", "TANT3", 1.5, 2003, 2022),
    VehicleModel("Mitsubishi", "Outlander", "JMB", "XJGF2", 1.5, 2005, 2022),
    VehicleModel("Opel", "Astra", "W0L", "0TGF4", 1.5, 1992, 2012),
    VehicleModel("Opel", "Vectra", "W0L", "0JBF1", 1.5, 1990, 2008),
    VehicleModel("Skoda", "Octavia", "TMB", "ZZZ1Z", 1.0, 2005, 2022),
    VehicleModel("Renault", "Logan", "X7L", "LSRB1", 1.5, 2008, 2020),
    VehicleModel("Mazda", "6", "JMZ", "GJ1W6", 1.0, 2003, 2020),
    VehicleModel("Subaru", "Forester", "JF1", "SH5LS", 0.8, 2003, 2022),
    VehicleModel("Haval", "Jolion", "LGW", "EF6A1", 1.5, 2021, 2025),
    VehicleModel("Chery", "Tiggo 7 Pro", "LVV", "DB21B", 1.5, 2020, 2025),
    VehicleModel("JAC", "S3", "LJ1", "2EKS3", 1.0, 2016, 2025),
)
# Letters used on Kazakh number plates ("123 ABC 02").
PLATE_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Monthly benefit amounts in tenge: (median, spread as the sigma of a log-normal).
PENSION_KZT = (135_000, 0.25)
DISABILITY_KZT = (75_000, 0.2)
CHILD_CARE_KZT = (30_000, 0.3)
LARGE_FAMILY_KZT = (70_000, 0.15)
TARGETED_ASSISTANCE_KZT = (35_000, 0.3)
# Retirement ages (men, women) and how wages spread around the regional mean.
PENSION_AGE_MALE = 63
PENSION_AGE_FEMALE = 61
WAGE_SIGMA = 0.55
