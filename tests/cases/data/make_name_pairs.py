"""Writes tests/cases/data/name_pairs.csv from hand-written groups:

    python tests/cases/data/make_name_pairs.py tests/cases/data/name_pairs.csv

Each group is ONE person written as real lists write them (by hand, from the
romanisation tables, not from the matcher). Positives: all pairs within a group.
Negatives: hand-written hard pairs, plus pairs across groups of the same family.
Half: groups alternate tune/held; negatives alternate by their row number.
"""

import csv
import itertools
import sys

# (kind, [spellings of one person])
GROUPS = [
    # -- Azerbaijani: Azerbaijani Latin, English, Russian Cyrillic, Russian romanised
    ("az", ["İlqar Məmmədov", "Ilgar Mammadov", "Ильгар Мамедов", "Ilgar Mamedov"]),
    ("az", ["Anar Məmmədli", "Anar Mammadli", "Анар Мамедли", "Mammadli Anar"]),
    ("az", ["Əli Kərimli", "Ali Karimli", "Али Керимли", "Ali Kerimli"]),
    ("az", ["Tofiq Yaqublu", "Tofig Yagublu", "Тофиг Ягублу", "Yagublu Tofig"]),
    ("az", ["Xədicə İsmayılova", "Khadija Ismayilova", "Хадиджа Исмаилова", "Khadija Ismailova"]),
    ("az", ["Rəsul Cəfərov", "Rasul Jafarov", "Расул Джафаров", "Rasul Dzhafarov"]),
    ("az", ["Leyla Yunus", "Лейла Юнус", "Leyla Yunus"]),
    ("az", ["Arif Yunusov", "Ариф Юнусов", "Yunusov Arif"]),
    ("az", ["Emin Hüseynov", "Emin Huseynov", "Эмин Гусейнов", "Emin Guseynov"]),
    ("az", ["Bəxtiyar Hacıyev", "Bakhtiyar Hajiyev", "Бахтияр Гаджиев", "Bakhtiyar Gadzhiyev"]),
    ("az", ["Ülvi Həsənli", "Ulvi Hasanli", "Ульви Гасанлы", "Ulvi Hasanly"]),
    ("az", ["Sevinc Vaqifqızı", "Sevinj Vagifgizi", "Севиндж Вагифгызы"]),
    ("az", ["Nərgiz Əbdülova", "Nargiz Abdulova", "Наргиз Абдулова"]),
    ("az", ["Fərid Mehrəliyev", "Farid Mehraliyev", "Фарид Мехралиев", "Farid Mekhraliev"]),
    ("az", ["Əfqan Muxtarlı", "Afgan Mukhtarli", "Афган Мухтарлы", "Afgan Mukhtarly"]),
    ("az", ["Şahin Rzayev", "Shahin Rzayev", "Шахин Рзаев", "Shakhin Rzaev"]),
    ("az", ["Elçin Sadıqov", "Elchin Sadigov", "Эльчин Садыгов", "Elchin Sadygov"]),
    ("az", ["Gülnarə Ağayeva", "Gulnara Aghayeva", "Гюльнара Агаева", "Gyulnara Agayeva"]),
    (
        "az",
        [
            "Abdul Abdulmanaf oğlu Abilov",
            "Abdul Abilov",
            "Абдул Абилов",
            "Abilov Abdul Abdulmanaf oglu",
        ],
    ),
    ("az", ["Faraj Karimov, Raqif oğlu", "Faraj Karimov", "Fərəc Kərimov", "Фарадж Керимов"]),
    ("az", ["Taleh Bağırzadə", "Taleh Baghirzade", "Талех Багирзаде", "Taleh Bagirzade"]),
    ("az", ["Tural Sadıqlı", "Tural Sadigli", "Турал Садыглы"]),
    ("az", ["Ceyhun Musayev", "Jeyhun Musayev", "Джейхун Мусаев", "Dzheykhun Musaev"]),
    ("az", ["Ramiz Quliyev Vaqif oğlu", "Ramiz Guliyev", "Рамиз Кулиев", "Ramiz Guliev"]),
    ("az", ["Səadət Cahangir qızı Hüseynova", "Saadat Huseynova", "Саадат Гусейнова"]),
    ("az", ["Vüqar Əliyev", "Vugar Aliyev", "Вугар Алиев", "Vugar Aliev"]),
    ("az", ["Aydın Əhmədov", "Aydin Ahmadov", "Айдын Ахмедов", "Aydin Akhmedov"]),
    ("az", ["Elvin Abdullayev", "Эльвин Абдуллаев", "Elvin Abdullaev"]),
    ("az", ["Nicat Həmidov", "Nijat Hamidov", "Ниджат Гамидов"]),
    ("az", ["Mübariz Rəhimov", "Mubariz Rahimov", "Мубариз Рагимов", "Mubariz Ragimov"]),
    # -- Russian: Cyrillic, BGN/PCGN, passport (ICAO 2013), ISO 9 / scholarly, English
    ("ru", ["Любовь Лизунова", "Lyubov Lizunova", "Liubov Lizunova", "Ljubov Lizunova"]),
    (
        "ru",
        ["Юрий Дмитриев", "Yuriy Dmitriyev", "Iurii Dmitriev", "Jurij Dmitriev", "Yuri Dmitriev"],
    ),
    ("ru", ["Александр Соколов", "Aleksandr Sokolov", "Alexander Sokolov", "Sokolov Aleksandr"]),
    ("ru", ["Алексей Горинов", "Aleksey Gorinov", "Aleksei Gorinov", "Alexei Gorinov"]),
    ("ru", ["Евгения Беркович", "Yevgeniya Berkovich", "Evgeniia Berkovich", "Evgenia Berkovich"]),
    ("ru", ["Светлана Петрийчук", "Svetlana Petriychuk", "Svetlana Petriichuk"]),
    ("ru", ["Илья Яшин", "Ilya Yashin", "Ilia Iashin", "Il'ja Jašin"]),
    ("ru", ["Владимир Кара-Мурза", "Vladimir Kara-Murza", "Kara-Murza Vladimir"]),
    ("ru", ["Игорь Барышников", "Igor Baryshnikov", "Igor' Baryšnikov"]),
    ("ru", ["Мария Пономаренко", "Mariya Ponomarenko", "Mariia Ponomarenko", "Maria Ponomarenko"]),
    ("ru", ["Дмитрий Иванов", "Dmitriy Ivanov", "Dmitrii Ivanov", "Dmitry Ivanov"]),
    (
        "ru",
        [
            "Сергей Николаевич Кузнецов",
            "Sergey Kuznetsov",
            "Kuznetsov Sergei Nikolaevich",
            "Sergei Kuznetsov",
        ],
    ),
    ("ru", ["Анна Сергеевна Орлова", "Anna Orlova", "Orlova Anna Sergeyevna"]),
    ("ru", ["Михаил Юрьевич Щукин", "Mikhail Shchukin", "Mikhail Iurevich Shchukin"]),
    ("ru", ["Ксения Фадеева", "Kseniya Fadeyeva", "Kseniia Fadeeva", "Ksenia Fadeeva"]),
    ("ru", ["Татьяна Жукова", "Tatyana Zhukova", "Tatiana Zhukova", "Tat'jana Žukova"]),
    # -- Ukrainian: Cyrillic, national (KMU 2010), Russian-style renderings
    ("uk", ["Олександр Кольченко", "Oleksandr Kolchenko", "Kolchenko Oleksandr"]),
    ("uk", ["Наріман Джелял", "Nariman Dzhelyal", "Nariman Dzhelial", "Nariman Celal"]),
    ("uk", ["Сергій Цигіпа", "Serhii Tsyhipa", "Serhiy Tsyhipa"]),
    ("uk", ["Юлія Петрівна Коваль", "Yuliia Koval", "Koval Yuliia Petrivna"]),
    ("uk", ["Віктор Іванович Шевченко", "Viktor Shevchenko", "Shevchenko Viktor Ivanovych"]),
    ("uk", ["Олена Ковальчук", "Olena Kovalchuk", "Kovalchuk Olena"]),
    ("uk", ["Андрій Мельник", "Andrii Melnyk", "Andriy Melnyk"]),
    ("uk", ["Ірина Данилович", "Iryna Danylovych", "Danylovych Iryna"]),
    # -- Chinese: characters, pinyin (spaced, joined, tone marks, given name first)
    ("zh", ["刘晓波", "Liu Xiaobo", "LiuXiaobo", "Liú Xiǎobō", "liu xiao bo"]),
    ("zh", ["伊力哈木·土赫提", "伊力哈木土赫提"]),
    ("zh", ["许志永", "Xu Zhiyong", "Xǔ Zhìyǒng", "Zhiyong Xu"]),
    ("zh", ["丁家喜", "Ding Jiaxi", "Jiaxi Ding"]),
    ("zh", ["黄琦", "Huang Qi", "Huáng Qí"]),
    ("zh", ["余文生", "Yu Wensheng", "Wensheng Yu"]),
    ("zh", ["王全璋", "Wang Quanzhang", "Wáng Quánzhāng"]),
    ("zh", ["李昱函", "Li Yuhan", "LI Yuhan"]),
    ("zh", ["高瑜", "Gao Yu", "Gāo Yú"]),
    ("zh", ["张展", "Zhang Zhan", "Zhāng Zhǎn", "ZHANG Zhan"]),
    ("zh", ["曾庆红", "Zeng Qinghong"]),
    ("zh", ["欧阳立新", "Ouyang Lixin", "Lixin Ouyang"]),
    ("zh", ["吕耿松", "Lü Gengsong", "Lu Gengsong"]),
    ("zh", ["陈秋实", "Chen Qiushi", "Chén Qiūshí"]),
    ("zh", ["黄雪琴", "Huang Xueqin", "Xueqin Huang"]),
    ("zh", ["王建兵", "Wang Jianbing", "Jianbing Wang"]),
    ("zh", ["李和平", "Li Heping", "Lǐ Hépíng"]),
    ("zh", ["江天勇", "Jiang Tianyong", "Tianyong Jiang"]),
    ("zh", ["常玮平", "Chang Weiping", "Cháng Wěipíng"]),
    ("zh", ["王玉文（王藏）", "王藏", "Wang Zang"]),
    ("zh", ["王玉文（王藏）", "王玉文", "Wang Yuwen"]),
    ("zh", ["杨茂东（郭飞雄）", "郭飞雄", "Guo Feixiong"]),
    ("zh", ["杨茂东（郭飞雄）", "杨茂东", "Yang Maodong"]),
    # -- English spellings of the same people written several ways
    ("en", ["Mohammed Ali Hasanov", "Muhammad Ali Hasanov", "Mohammad Ali Hasanov"]),
    ("en", ["Khalid Al-Sayed", "Khaled Al Sayed", "Khalid Al-Sayyed"]),
]

# Hand-written hard negatives: (a, b, kind)
NEGATIVES = [
    # same surname, different given name
    ("İlqar Məmmədov", "Anar Məmmədov", "az same surname"),
    ("Ilgar Mammadov", "Ilham Mammadov", "az same surname"),
    ("Ильгар Мамедов", "Эльчин Мамедов", "az same surname"),
    ("Əli Kərimli", "Əliyar Kərimli", "az same surname"),
    ("Ali Karimli", "Alim Karimli", "az same surname"),
    ("Tofiq Yaqublu", "Tural Yaqublu", "az same surname"),
    ("Rəsul Cəfərov", "Rauf Cəfərov", "az same surname"),
    ("Emin Hüseynov", "Emil Hüseynov", "az same surname"),
    ("Emin Huseynov", "Elnur Huseynov", "az same surname"),
    ("Vüqar Əliyev", "Vüsal Əliyev", "az same surname"),
    ("Vugar Aliyev", "Vugar Aliyeva", "az male/female"),
    ("Arif Yunusov", "Arifa Yunusova", "az male/female"),
    ("Leyla Əliyeva", "Lalə Əliyeva", "az same surname"),
    ("Leyla Aliyeva", "Lala Aliyeva", "az same surname"),
    ("Aydın Əhmədov", "Aydan Əhmədova", "az male/female"),
    ("Nicat Həmidov", "Nicat Həmzəyev", "az same given"),
    ("Nijat Hamidov", "Nijat Hajiyev", "az same given"),
    ("Elvin Abdullayev", "Elvin Abbasov", "az same given"),
    ("Elvin Abdullayev", "Elnur Abdullayev", "az same surname"),
    ("Fərid Mehrəliyev", "Fərid Mirzəyev", "az same given"),
    ("Şahin Rzayev", "Şahin Rəhimov", "az same given"),
    ("Shahin Rzayev", "Shahin Rustamov", "az same given"),
    ("Tural Sadıqlı", "Tural Sadıqov", "az surname -li/-ov"),
    ("Anar Məmmədli", "Anar Məmmədov", "az surname -li/-ov"),
    ("Ülvi Həsənli", "Ülvi Həsənov", "az surname -li/-ov"),
    ("Ramiz Quliyev Vaqif oğlu", "Ramiz Quliyev Ramiz oğlu", "az father/son patronymic"),
    ("Ramiz Vaqif oğlu Quliyev", "Ramiz Elşən oğlu Quliyev", "az brothers patronymic"),
    ("Abdul Abdulmanaf oğlu Abilov", "Abdul Rəşid oğlu Abilov", "az patronymic"),
    ("Faraj Karimov, Raqif oğlu", "Faraj Karimov, Faraj oğlu", "az father/son patronymic"),
    ("Elvin Rauf oğlu Quliyev", "Elvin Vaqif oğlu Quliyev", "az patronymic"),
    ("Səadət Cahangir qızı Hüseynova", "Səadət Rövşən qızı Hüseynova", "az patronymic"),
    ("Saadat Huseynova", "Sadat Huseynov", "az male/female"),
    ("Ilgar Mammadov", "Ilgar Mammadli", "az surname -ov/-li"),
    ("Mübariz Rəhimov", "Mübariz Rəhimli", "az surname -ov/-li"),
    ("Aydın Əhmədov", "Aydın Məmmədov", "az same given"),
    ("Gülnarə Ağayeva", "Gülnar Ağayeva", "az given -a"),
    ("Taleh Bağırzadə", "Talıb Bağırzadə", "az same surname"),
    ("Ceyhun Musayev", "Ceyhun Mirzəyev", "az same given"),
    ("Cəmil Həsənli", "Kamil Həsənli", "az same surname"),
    ("Jamil Hasanli", "Emil Hasanli", "az same surname"),
    # Russian / Ukrainian
    ("Сергей Николаевич Кузнецов", "Сергей Сергеевич Кузнецов", "ru father/son patronymic"),
    ("Sergey Nikolayevich Kuznetsov", "Sergey Sergeyevich Kuznetsov", "ru father/son patronymic"),
    ("Kuznetsov Sergei Nikolaevich", "Kuznetsov Sergei Petrovich", "ru patronymic"),
    ("Анна Сергеевна Орлова", "Анна Ивановна Орлова", "ru mother/daughter patronymic"),
    ("Михаил Юрьевич Щукин", "Михаил Михайлович Щукин", "ru father/son patronymic"),
    ("Дмитрий Иванов", "Дмитрий Петров", "ru same given"),
    ("Dmitry Ivanov", "Dmitry Ivanova", "ru male/female"),
    ("Dmitry Ivanov", "Daria Ivanova", "ru same surname"),
    ("Aleksandr Sokolov", "Aleksandra Sokolova", "ru male/female"),
    ("Александр Соколов", "Алексей Соколов", "ru same surname"),
    ("Alexander Sokolov", "Alexei Sokolov", "ru same surname"),
    ("Юрий Дмитриев", "Юлий Дмитриев", "ru same surname"),
    ("Yuri Dmitriev", "Yuri Dmitrenko", "ru same given"),
    ("Ilya Yashin", "Ilya Yakushin", "ru same given"),
    ("Igor Baryshnikov", "Oleg Baryshnikov", "ru same surname"),
    ("Мария Пономаренко", "Марина Пономаренко", "ru same surname"),
    ("Maria Ponomarenko", "Marina Ponomarenko", "ru same surname"),
    ("Ксения Фадеева", "Ксения Федорова", "ru same given"),
    ("Tatiana Zhukova", "Tatiana Zhuk", "ru same given"),
    ("Татьяна Жукова", "Татьяна Жуковская", "ru same given"),
    ("Любовь Лизунова", "Любовь Лизунович", "ru same given"),
    ("Lyubov Lizunova", "Lyudmila Lizunova", "ru same surname"),
    ("Евгения Беркович", "Евгений Беркович", "ru male/female given"),
    ("Evgenia Berkovich", "Evgeny Berkovich", "ru male/female given"),
    ("Svetlana Petriychuk", "Svetlana Petrenko", "ru same given"),
    ("Олександр Кольченко", "Олександр Кравченко", "uk same given"),
    ("Oleksandr Kolchenko", "Oleksii Kolchenko", "uk same surname"),
    ("Віктор Іванович Шевченко", "Віктор Вікторович Шевченко", "uk father/son patronymic"),
    ("Viktor Ivanovych Shevchenko", "Viktor Viktorovych Shevchenko", "uk father/son patronymic"),
    ("Юлія Петрівна Коваль", "Юлія Іванівна Коваль", "uk patronymic"),
    ("Olena Kovalchuk", "Olena Kovalenko", "uk same given"),
    ("Andrii Melnyk", "Andrii Melnychuk", "uk same given"),
    ("Andrii Melnyk", "Anatolii Melnyk", "uk same surname"),
    ("Iryna Danylovych", "Iryna Danylenko", "uk same given"),
    ("Serhii Tsyhipa", "Serhii Tsybulko", "uk same given"),
    ("Nariman Dzhelyal", "Nariman Dzhemilev", "uk same given"),
    # Chinese: common surnames with other given names; homophones in other characters
    ("王伟", "王军", "zh same surname"),
    ("王伟", "李伟", "zh same given"),
    ("王伟", "李军", "zh two characters, none shared"),
    ("张伟", "章伟", "zh homophone surname"),
    ("刘晓波", "刘小波", "zh homophone given"),
    ("刘晓波", "刘晓东", "zh same surname"),
    ("Liu Xiaobo", "Liu Xiaodong", "zh pinyin same surname"),
    ("刘晓波", "Liu Xiaodong", "zh chars/pinyin other given"),
    ("Liu Xiaobo", "刘晓东", "zh pinyin/chars other given"),
    ("李明", "李敏", "zh homophone given"),
    ("李明", "黎明", "zh homophone surname"),
    ("李明", "李强", "zh same surname"),
    ("Li Ming", "Li Qiang", "zh pinyin same surname"),
    ("陈刚", "陈光", "zh same surname"),
    ("Chen Gang", "Chen Guang", "zh pinyin same surname"),
    ("张军", "赵军", "zh same given"),
    ("Zhang Jun", "Zhao Jun", "zh pinyin same given"),
    ("杨洋", "杨阳", "zh homophone given"),
    ("黄琦", "黄奇", "zh homophone given"),
    ("黄琦", "王琦", "zh same given"),
    ("Huang Qi", "Wang Qi", "zh pinyin same given"),
    ("许志永", "许志勇", "zh homophone given"),
    ("许志永", "徐志永", "zh homophone surname"),
    ("Xu Zhiyong", "Xu Zhiqiang", "zh pinyin same surname"),
    ("丁家喜", "丁嘉熙", "zh homophone given"),
    ("高瑜", "高宇", "zh homophone given"),
    ("高瑜", "郭瑜", "zh same given"),
    ("Gao Yu", "Guo Yu", "zh pinyin same given"),
    ("张展", "张战", "zh homophone given"),
    ("张展", "章展", "zh homophone surname"),
    ("Zhang Zhan", "Zhang Zhen", "zh pinyin near given"),
    ("陈秋实", "陈秋石", "zh homophone given"),
    ("Chen Qiushi", "Chen Qiuming", "zh pinyin same surname"),
    ("王建兵", "王建斌", "zh homophone given"),
    ("Wang Jianbing", "Wang Jianguo", "zh pinyin same surname"),
    ("李和平", "李鹤平", "zh homophone given"),
    ("Li Heping", "Li Chunfu", "zh pinyin same surname"),
    ("江天勇", "蒋天勇", "zh homophone surname"),
    ("欧阳立新", "欧阳立", "zh compound surname"),
    ("Ouyang Lixin", "Yang Lixin", "zh pinyin compound surname"),
    ("余文生", "于文生", "zh homophone surname"),
    ("Yu Wensheng", "Yu Wenming", "zh pinyin same surname"),
    ("周强", "周锋", "zh same surname"),
    ("吴刚", "胡刚", "zh same given"),
    ("孙丽", "孙力", "zh homophone given"),
    ("马军", "毛军", "zh same given"),
    ("郭飞雄", "郭飞", "zh given part"),
    ("Guo Feixiong", "Guo Feng", "zh pinyin same surname"),
    ("王藏", "王臧", "zh homophone given"),
    # English / mixed
    ("Mohammed Ali Hasanov", "Mohammed Ali Hasanli", "en surname -ov/-li"),
    ("Mohammed Ali Hasanov", "Ali Hasanov", "en fewer parts"),
    ("Khalid Al-Sayed", "Khalida Al-Sayed", "en male/female"),
    ("John Smith", "Jane Smith", "en same surname"),
    ("John Smith", "John Smyth-Jones", "en same given"),
    ("Peter Brown", "Peter Browne", "en near surname"),
]

# Families whose groups, crossed, give more different-people pairs (same surname).
CROSS = [
    (0, 1),  # Məmmədov / Məmmədli
    (6, 7),  # Yunus / Yunusov
    (8, 24),  # Hüseynov / Hüseynova
    (2, 19),  # Kərimli / Kərimov
    (25, 26),
    (40, 41),
    (30, 31),
]


def main(path: str) -> None:
    rows = []
    for gi, (kind, names) in enumerate(GROUPS):
        half = "tune" if gi % 2 == 0 else "held"
        for a, b in itertools.combinations(names, 2):
            if a != b:
                rows.append((a, b, 1, f"{kind} same person", half))
    for ni, (a, b, note) in enumerate(NEGATIVES):
        rows.append((a, b, 0, note, "tune" if ni % 2 == 0 else "held"))
    n = 0
    for gi, gj in CROSS:
        (ka, na), (kb, nb) = GROUPS[gi], GROUPS[gj]
        for a, b in itertools.product(na[:3], nb[:3]):
            rows.append((a, b, 0, f"{ka}/{kb} different people", "tune" if n % 2 == 0 else "held"))
            n += 1
    # every Chinese person against the next: different people, characters and pinyin
    zh = [g for g in GROUPS if g[0] == "zh"]
    for (_, na), (_, nb) in itertools.pairwise(zh):
        if na[0] == nb[0]:
            continue  # two halves of one alias group
        for a, b in ((na[0], nb[0]), (na[0], nb[1]), (na[1], nb[0])):
            rows.append((a, b, 0, "zh different people", "tune" if n % 2 == 0 else "held"))
            n += 1
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name_a", "name_b", "same", "note", "half"])
        w.writerows(rows)
    print(len(rows), sum(r[2] for r in rows), sum(r[4] == "held" for r in rows))


if __name__ == "__main__":
    main(sys.argv[1])
