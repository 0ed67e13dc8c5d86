"""Names across scripts: one person's spellings fold together, different people do not.

The people below are invented for the test (common Azerbaijani given names and
surnames); each group is one person written in Azerbaijani Latin, Russian Cyrillic,
English and, for some, Azerbaijani Cyrillic.
"""

from __future__ import annotations

import csv
import itertools
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.cases.name_parts import SAME_NAME, pair_score, parse, query_score
from vigil.cases.names import aliases, fold, similarity, skeleton

KARIMLI = ["Əli Kərimli", "Ali Karimli", "Али Керимли", "Kerimli Ali"]

PEOPLE = [
    ["Əli Kərimli", "Ali Karimli", "Али Керимли", "Kerimli Ali", "Али Кәримли"],
    ["Xədicə Mirzəyeva", "Khadija Mirzayeva", "Хадиджа Мирзаева"],
    ["Tofiq Yaqubov", "Tofig Yagubov", "Тофиг Ягубов"],
    ["İlqar Məmmədov", "Ilgar Mammadov", "Ильгар Мамедов"],
    ["Anar Məmmədli", "Anar Mammadli", "Анар Мамедли"],
    ["Leyla Yunusova", "Leyla Yunusova", "Лейла Юнусова"],
    ["Arif Yunusov", "Ариф Юнусов", "Arif Yunusov"],
    ["Rəsul Cəfərli", "Rasul Jafarli", "Расул Джафарли"],
    ["Emin Hüseynli", "Emin Huseynli", "Эмин Гусейнли"],
    ["Bəxtiyar Hacıyev", "Bakhtiyar Hajiyev", "Бахтияр Гаджиев"],
    ["Ülvi Həsənov", "Ulvi Hasanov", "Ульви Гасанов"],
    ["Sevinc Vaqifqızı", "Sevinj Vagifgizi", "Севиндж Вагифгызы"],
    ["Nərgiz Əbdülova", "Nargiz Abdulova", "Наргиз Абдулова"],
    ["Fərid Mehrəliyev", "Farid Mehraliyev", "Фарид Мехралиев"],
    ["Əfqan Muxtarov", "Afgan Mukhtarov", "Афган Мухтаров"],
    ["Şahin Rzayev", "Shahin Rzayev", "Шахин Рзаев"],
    ["Cəmil Həsənli", "Jamil Hasanli", "Джамиль Гасанлы", "Ҹәмил Һәсәнли"],
    ["Elçin Sadıqov", "Elchin Sadigov", "Эльчин Садыгов"],
    ["Gülnarə Ağayeva", "Gulnara Aghayeva", "Гюльнара Агаева"],
]


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_the_issue_example_has_one_skeleton():
    skeletons = {skeleton(name) for name in KARIMLI}
    assert skeletons == {"a-l krml"}
    for a, b in itertools.combinations(KARIMLI, 2):
        assert similarity(a, b) >= 90, (a, b)


@pytest.mark.parametrize("group", PEOPLE, ids=lambda g: g[1])
def test_one_person_in_every_script(group):
    assert len({skeleton(name) for name in group}) == 1, [skeleton(n) for n in group]
    for a, b in itertools.combinations(group, 2):
        assert similarity(a, b) >= 90, (a, b, fold(a), fold(b))


def test_different_people_stay_apart():
    worst = max(
        (similarity(a, b), a, b)
        for one, other in itertools.combinations(PEOPLE, 2)
        for a in one
        for b in other
    )
    assert worst[0] < 85, worst


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Anar Məmmədli", "Anar Məmmədov"),  # same given name, other surname
        ("Əli Kərimli", "Əli Kərimov"),
        ("Ülvi Həsənov", "Cəmil Həsənli"),
        ("Leyla Yunusova", "Arif Yunusov"),  # one family, two people
        ("Ali Karimli", "Ali"),
    ],
)
def test_near_names_are_not_a_match(a, b):
    assert similarity(a, b) < 85
    assert skeleton(a) != skeleton(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Xədicə", "Khadija"),  # Azerbaijani c is /dʒ/
        ("Xədicə", "Хадиджа"),
        ("Cəfər", "Джафар"),
        ("Elçin", "Elchin"),  # ç is /tʃ/
        ("Elçin", "Эльчин"),
        ("İlqar", "Ilgar"),
        ("Sadıqov", "Sadigov"),
        ("Həsənli", "Гасанлы"),  # Russian writes Azerbaijani h as г
        ("Şahin", "Шахин"),  # … or as х inside a word
        ("Rzayev", "Рзаев"),
        ("Ağayeva", "Aghayeva"),
        ("Ağayeva", "Агаева"),
        ("Hüseynli", "Гусейнли"),
        ("Ҹәмил", "Jamil"),  # Azerbaijani Cyrillic
        ("Һәсәнли", "Hasanli"),
    ],
)
def test_letters_that_schemes_disagree_on(a, b):
    assert fold(a) == fold(b), (fold(a), fold(b))


def test_dotted_and_dotless_i():
    assert fold("İLQAR") == fold("Ilqar") == fold("ilqar") == "ilgar"
    assert fold("SADIQOV") == fold("Sadıqov")
    assert fold("ı") == fold("i")


@pytest.mark.parametrize("name", [n for group in PEOPLE for n in group])
def test_nfc_and_nfd_fold_the_same(name):
    assert fold(_nfd(name)) == fold(name)
    assert skeleton(_nfd(name)) == skeleton(name)
    assert similarity(_nfd(name), name) == 100


def test_fold_is_plain_ascii_words():
    for name in (n for group in PEOPLE for n in group):
        folded = fold(name)
        assert folded.isascii() and folded == folded.lower()
        assert "  " not in folded and folded == folded.strip()
    assert fold("  Əli -- Kərimli!  ") == "ali karimli"
    assert fold("") == "" and skeleton("") == ""


def test_empty_names_are_not_similar():
    assert similarity("", "") == 0
    assert similarity("Əli", "") == 0
    assert similarity("!!!", "Əli") == 0


NAMES = st.sampled_from([n for group in PEOPLE for n in group]) | st.text(max_size=30)


@given(NAMES, NAMES)
def test_similarity_is_symmetric_and_bounded(a, b):
    assert similarity(a, b) == similarity(b, a)
    assert 0 <= similarity(a, b) <= 100


@given(st.text(max_size=40))
def test_any_text_folds_to_ascii_words_whatever_its_normal_form(name):
    folded = fold(name)
    assert folded.isascii() and folded == " ".join(folded.split())
    assert fold(_nfd(name)) == fold(unicodedata.normalize("NFC", name)) == folded
    assert skeleton(_nfd(name)) == skeleton(name)


# -- parts, aliases, patronymics, Chinese (issue 13) ----------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("王玉文（王藏）", ["王玉文", "王藏"]),
        ("王玉文(王藏)", ["王玉文", "王藏"]),
        ("Ali Karimli (Ali Kerimov, Əli Kərimli)", ["Ali Karimli", "Ali Kerimov", "Əli Kərimli"]),
        ("Ali Karimli [Ali Karimli]", ["Ali Karimli"]),
        ("Tofiq Yaqublu", ["Tofiq Yaqublu"]),
        ("（王藏）", ["王藏"]),
        ("", []),
    ],
)
def test_aliases_in_brackets_are_names_of_their_own(name, expected):
    assert aliases(name) == expected


LIU = "刘晓波"


@pytest.mark.parametrize(
    "spelling", ["Liu Xiaobo", "LiuXiaobo", "Liú Xiǎobō", "liu xiao bo", "Xiaobo Liu"]
)
def test_pinyin_finds_the_characters(spelling):
    assert query_score(parse(spelling), parse(LIU)) >= 90
    assert pair_score(spelling, LIU) >= SAME_NAME
    assert pair_score(spelling, "刘晓东") < SAME_NAME  # another given name


def test_chinese_names_are_compared_by_characters():
    assert pair_score("刘晓波", "刘晓波") == 100
    assert pair_score("刘晓波", "刘小波") < SAME_NAME  # homophone, other characters
    assert pair_score("王伟", "李军") == 0  # two characters, none shared
    assert pair_score("欧阳立新", "Ouyang Lixin") >= SAME_NAME  # two-character surname
    assert pair_score("曾庆红", "Zeng Qinghong") >= SAME_NAME  # surname reading of 曾


def test_an_alias_matches_either_name():
    for query in ("王藏", "王玉文", "Wang Yuwen"):
        assert query_score(parse(query), parse("王玉文（王藏）")) >= 90, query


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Abdul Abilov", "Abdul Abdulmanaf oglu Abilov"),
        ("Abilov Abdul", "Abdul Abdulmanaf oğlu Abilov"),
        ("Faraj Karimov", "Faraj Karimov, Raqif oğlu"),
        ("Səadət Hüseynova", "Səadət Cahangir qızı Hüseynova"),
        ("Sergey Kuznetsov", "Кузнецов Сергей Николаевич"),
        ("Yuliia Koval", "Юлія Петрівна Коваль"),
        ("Мамедов", "Məmmədov"),
        ("Mamedov", "İlqar Məmmədov"),
        ("Ljubov Lizunova", "Любовь Лизунова"),
        ("Lizunova Liubov", "Любовь Лизунова"),
        ("Jurij Dmitriev", "Юрий Дмитриев"),
        ("Alexander Sokolov", "Александр Соколов"),
    ],
)
def test_any_subset_of_parts_in_any_order(query, name):
    assert query_score(parse(query), parse(name)) >= 80, (parse(query), parse(name))


@pytest.mark.parametrize(
    "spellings",
    [
        ["Məmmədov", "Mammadov", "Mamedov", "Мамедов"],
        ["Lyubov", "Liubov", "Ljubov", "Любовь"],
        ["Yuri", "Iurii", "Jurij", "Yuriy", "Юрий"],
        ["Aleksandr", "Alexander", "Александр"],
    ],
)
def test_romanisations_fold_to_one_part(spellings):
    for a, b in itertools.combinations(spellings, 2):
        assert pair_score(a, b) >= SAME_NAME, (a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Сергей Николаевич Кузнецов", "Сергей Сергеевич Кузнецов"),  # father and son
        ("Ramiz Vaqif oğlu Quliyev", "Ramiz Elşən oğlu Quliyev"),
        ("Dmitry Ivanov", "Dmitry Ivanova"),  # a man and a woman
        ("Maria Ponomarenko", "Marina Ponomarenko"),
        ("Ali Karimli", "Ali Hasanov"),
        ("Ali Hasanov", "Mohammed Ali Hasanov"),
        ("Leyla Aliyeva", "Lala Aliyeva"),
    ],
)
def test_hard_negatives_are_two_people(a, b):
    assert pair_score(a, b) < SAME_NAME


@given(NAMES, NAMES)
def test_pair_score_is_symmetric_and_bounded(a, b):
    assert pair_score(a, b) == pair_score(b, a)
    assert 0 <= pair_score(a, b) <= 100


# -- the labelled set ------------------------------------------------------------------

PAIRS = Path(__file__).parent / "data" / "name_pairs.csv"


def _pairs(half: str) -> list[dict[str, str]]:
    with PAIRS.open(encoding="utf-8", newline="") as f:
        return [row for row in csv.DictReader(f) if row["half"] == half]


def _precision_recall(rows: list[dict[str, str]]) -> tuple[float, float]:
    said = [pair_score(r["name_a"], r["name_b"]) >= SAME_NAME for r in rows]
    truth = [r["same"] == "1" for r in rows]
    tp = sum(s and t for s, t in zip(said, truth, strict=True))
    return tp / sum(said), tp / sum(truth)


def test_the_labelled_set_is_what_the_docs_say():
    rows = _pairs("tune") + _pairs("held")
    assert len(rows) >= 400
    assert {r["same"] for r in rows} == {"0", "1"}
    notes = " ".join(r["note"] for r in rows)
    for kind in ("az ", "ru ", "uk ", "zh ", "en ", "patronymic", "same surname", "same given"):
        assert kind in notes, kind
    assert sum(r["same"] == "0" for r in rows) >= 200


def test_the_labelled_set_is_its_generator_s_output(tmp_path):
    """name_pairs.csv is written by data/make_name_pairs.py from hand-written groups
    (romanisation tables, not the matcher): the file in the repository is exactly
    what the script writes, so the labels' origin is on record."""
    import runpy
    import sys

    out = tmp_path / "pairs.csv"
    script = str(Path(__file__).parent / "data" / "make_name_pairs.py")
    argv, sys.argv = sys.argv, [script, str(out)]
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        sys.argv = argv
    assert out.read_bytes() == PAIRS.read_bytes()


def test_precision_and_recall_on_the_held_out_half():
    """The threshold and rules were set on the tuning half; the held-out half measures
    them (docs/cases.md gives both)."""
    precision, recall = _precision_recall(_pairs("held"))
    assert precision >= 0.95 and recall >= 0.90, (precision, recall)


def test_precision_and_recall_on_the_tuning_half():
    precision, recall = _precision_recall(_pairs("tune"))
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)


def test_the_rekey_migration_recomputes_stale_keys(registry):
    """Migration 0005 brings keys stored under an older folding up to date (here: keys
    planted stale behind save()); fresh keys are left as they are."""
    import importlib

    from django.apps import apps

    from vigil.cases.models import Organisation, Person, PersonName
    from vigil.cases.names import fold, skeleton

    person = Person.objects.create(ref="K1")
    stale = PersonName.objects.create(person=person, name="Любов Лизунова", language="uk-Cyrl")
    fresh = PersonName.objects.create(person=person, name="Liubov Lizunova", language="en")
    org = Organisation.objects.create(ref="O1", name="Громадянська ініціатива", kind="ngo")
    PersonName.objects.filter(pk=stale.pk).update(key="old key", skeleton="old")
    Organisation.objects.filter(pk=org.pk).update(key="old key")
    fresh_key = PersonName.objects.get(pk=fresh.pk).key
    migration = importlib.import_module("vigil.cases.migrations.0005_rekey_names")
    migration.rekey(apps, None)
    stale.refresh_from_db()
    org.refresh_from_db()
    assert (stale.key, stale.skeleton) == (fold("Любов Лизунова"), skeleton("Любов Лизунова"))
    assert org.key == fold("Громадянська ініціатива")
    assert PersonName.objects.get(pk=fresh.pk).key == fresh_key
