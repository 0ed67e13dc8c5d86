"""A sentence → the claims it makes (no language model, no network).

The readers of numbers and periods (:mod:`vigil.claims.numbers`,
:mod:`vigil.claims.periods`), of places (:mod:`vigil.claims.places`) and of registry
claims (:mod:`vigil.claims.cases`) find their pieces with spans; this module puts a
territory claim together around each area quantity:

- **actor**: who gained. Words for Russia's forces ("Russian forces", "окупанти",
  "ВС РФ", "Rusiya qoşunları") or Ukraine's ("Ukrainian troops", "ЗСУ", "ВСУ"); a
  verb of liberation ("liberated", "звільнили", "освободили", "azad edib") makes it
  Ukraine. With no actor word the sentence is read as about Russia's advance (the
  reporting this serves), and the claim says so in ``notes`` via the verdict's caveats.
- **measure**: a verb of taking (seized, captured, occupied, advanced, захопили,
  заняли, ələ keçirib) → gained; of losing → lost; "net" → net; of holding
  (controls, holds, контролирует, nəzarətində) or a share of Ukraine ("18 %") → held.
- **period**: the period phrase nearest the quantity, outside any comparison; for
  "held", a date the sentence names, else the anchor.
- **comparison**: "a record (for any single week this past year)", "the largest since
  …", "the fastest pace since …", "doubled", "three times more than in …", in the four
  languages (:data:`_COMPARISONS`).
- **place**: an area the maps do not delimit that qualifies the figure ("near
  Bakhmut", "в районе Сватово", "на півдні", "90 % of the city"; level ``area``, no
  code: :func:`~vigil.claims.places.find_areas`), else the oblast a share is of ("60 %
  of the Donetsk region"), else the oblast nearest the figure.
- figures that are not claims: rates ("15 km² a day") and differences ("на 250 кв. км
  більше, ніж у жовтні"); a share restating the figure before it ("5842 кв. км, что
  составляет 0,96 %") takes that claim's reading.

A settlement's capture ("Russian forces captured the villages of A and B", "A, B və C
yaşayış məntəqələrini azad edib") is a claim per settlement the gazetteer knows, named
by a settlement word, governed by a verb or noun of taking, or listed with one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vigil.claims import numbers, periods, places
from vigil.claims.model import (
    Actor,
    CaseClaim,
    Claim,
    Comparison,
    Hedge,
    Lang,
    Measure,
    Parsed,
    PeriodMention,
    Place,
    Quantity,
    Span,
    TerritoryClaim,
    Unit,
)

_F = re.IGNORECASE | re.UNICODE


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts), _F)


#: Words naming Russia's side (the forces, the state, "the occupiers").
_RUSSIA = _rx(
    r"\brussia\w*|\bkremlin|\bmoscow\w*|\boccupiers?\b|\binvaders?\b",
    r"\bросси\w*|\bрф\b|\bоккупант\w*|\bзахватчик\w*|\bвс рф\b",
    r"\bросі\w*|\bрос\.|\bокупант\w*|\bворог\w*|\bрашист\w*|\bагресор\w*",
    r"\brusiya\w*|\brus\b|\brus ordu\w*|\bişğalçı\w*",
    # the Russian army's groupings of forces, by their names (Russian MoD reports:
    # "бойцы «Южной» группировки войск", "“Cənub” qoşun qrupu")
    r"«?(?:южн|центр|восточн|западн|северн|днепр)\w*»?\s+группировк\w*",
    r"\bгруппировк\w*\s+(?:войск\s+)?«(?:юг|центр|восток|запад|север|днепр)\w*»",
    r"[“\"«]?(?:cənub|mərkəz|şərq|qərb|şimal|dnepr)[”\"»]?\s+(?:qoşun\s+)?qrup\w*",
)
#: Words naming Ukraine's forces (the country's name alone is usually a place).
_UKRAINE = _rx(
    r"\bukrain\w*\s+(?:forces|troops|army|military|soldiers|defenders|units|advances?)",
    r"\bthe\s+ukrainians\b|\bукраинцы\b|\bукраїнці\b|\bkyiv\b(?=\W+(?:has|had)\b)",
    r"\bkyiv'?s?\s+(?:forces|troops)|\bafu\b",
    r"\bвсу\b|\bукраинск\w*\s+(?:войск\w*|арми\w*|военн\w*|сил\w*|подразделени\w*)",
    r"\bзсу\b|\bсили оборони\b|\bсил оборони\b",
    r"\bукраїнськ\w*\s+(?:війсь\w*|арм\w*|сил\w*|захисник\w*)",
    r"\bukrayna\w*\s+(?:ordu\w*|qüvvə\w*|hərbç\w*)|\bukraynalı\w*",
    # the country's name as the subject of a verb of taking, liberating or losing (a
    # place otherwise): "Ukraine has reclaimed 260 km²", "Украина потеряла 40 %"
    r"\bukraine\b(?=\s+(?:(?:has|had|have|claims\s+to\s+have|also|then|now)\s+)*"
    r"(?:reclaim|retook|retake|liberat|recaptur|regain|seiz|captur|took|taken|lost|los))",
    r"\bукраина\b(?=\s+(?:\w+\s+)?(?:освобод|верну|отбил|захват|заня|потерял|утратил))",
    r"\bукраїна\b(?=\s+(?:\w+\s+)?(?:звільни|поверну|відби|захопи|зайня|втрати))",
)
_LIBERATED = _rx(
    r"\bpurged\s+of\b|\bcleared\s+of\b|\bliberat\w*|\brecaptur\w*|\bretook|\bretaken|\bregain\w*|\breclaim\w*|\bfreed\b",
    r"\bосвобод\w*|\bвернул\w*|\bотбил\w*",
    r"\bзвільни\w*|\bзвільне\w*|\bповерну\w*|\bвідби\w*|\bдеокупув\w*",
    r"\bazad\s+e[td]\w*|\bazad\s+olun\w*|\bgeri\s+al\w*|\bgeri\s+qaytar\w*",
)
_GAINED = _rx(
    r"\bseiz\w*|\bcaptur\w*|\btook\b|\btaken?\b|\bgain\w*|\badvanc\w*|\bconquer\w*|\bgrabb?\w*",
    r"\boverr[au]n\b|\boccupied\b(?!\s+(?:territor|area|land|part))|\bcreep\w*",
    r"\b(?:managed|able|failed|sought|tried)\s+to\s+occupy\b",
    r"\bзахват\w*|\bзахвати\w*|\bзаня\w*|\bоккупир\w*|\bпродвин\w*|\bвзял\w*|\bприраст\w*|\bотхват\w*",
    r"\bзахопи\w*|\bзахопле\w*|\bокупува\w*|\bпросуну\w*|\bпросува\w*|\bвзяли\b|\bвзяв\b|\bзайня\w*",
    r"\bələ\s+keçir\w*|\bişğal\s+e[td]\w*|\birəlilə\w*|\bnəzarətə\s+götür\w*|\bzəbt\s+e[td]\w*",
    r"\bnəzarət\s+altına\s+al\w*|\bnəzarətinə\s+keç\w*",
    # taking control: "took/established control", "установили контроль", "взяли под
    # контроль", "перешло под контроль", "встановили контроль", "перейшло під контроль"
    r"\b(?:took|taken|establish\w*)\s+(?:full\s+|complete\s+)?control\b",
    r"\bустанов\w*\s+(?:\w+\s+)?контрол\w*|\bвзя\w*\s+под\s+(?:\w+\s+)?контроль",
    r"\bперешл?\w*\s+под\s+(?:\w+\s+){0,2}контроль\b",
    r"\bвстанов\w*\s+(?:\w+\s+)?контрол\w*|\bвзя\w*\s+під\s+(?:\w+\s+)?контроль",
    r"\bперейш\w*\s+під\s+(?:\w+\s+){0,2}контроль\b",
)
_LOST = _rx(
    r"\blost\b|\blos(?:e|es|ing)\b", r"\bпотерял\w*|\bутратил\w*", r"\bвтрати\w*", r"\bitir\w*"
)
_NET = _rx(
    r"\bnet\b", r"\bчист\w*\s+(?:прирост|приріст)", r"\bxalis\b",
    # a change of the area held: "the increase in the occupied territory", "приріст
    # окупованої території", "увеличили площадь контроля"
    r"\b(?:increase|growth|change)\s+(?:in|of)\s+(?:the\s+)?(?:occupied|controlled|"
    r"russian[-\s](?:held|controlled|occupied))\s+(?:territor|area)\w*",
    r"\b(?:прирост|увеличени\w*)\s+оккупированн\w*\s+территор\w*",
    r"\bувеличил\w*\s+площадь\s+(?:контрол|оккупац)\w*",
    r"\bприріст\w*\s+окупован\w*\s+територ\w*|\bзбільши\w*\s+площ\w*\s+(?:контрол|окупац)\w*",
)  # fmt: skip
_HELD = _rx(
    r"\bcontrol(?:s|led|ling)?\b|\bhold(?:s|ing)?\b|\boccup(?:y|ies|ying)\b|\boccupied\s+(?:territor|area|land|part)\w*",
    r"\bконтролир\w*|\bподконтрольн\w*|\bудержива\w*|\bоккупированн\w*",
    r"\bконтролю\w*|\bпідконтрольн\w*|\bутриму\w*|\bокупован\w*",
    r"\bnəzarət(?:ində|də|dədir|ində\w*)\b|\bişğal\s+altında\w*|\bnəzarət\s+edir\w*",
    r"\bəlindədir\b|\bəlində\b",
    r"\bunder\s+(?:\w+\s+){0,2}(?:occupation|control)\b|\bremains?\s+(?:fully\s+)?occupied",
    r"\bпод\s+(?:\w+\s+){0,2}(?:контролем|оккупацией)|\bпід\s+(?:\w+\s+){0,2}(?:контролем|окупацією)",
)
#: "In total, Russia has seized 116,165 sq km": a total with no period is an area held.
_TOTAL = _rx(
    r"\bin\s+total\b|\bin\s+all\b|\baltogether\b|\btotal\s+(?:of|area)\b",
    # "всего"/"всього" right before a figure is "only" ("захватила всего 0,69 %")
    r"\bвсего\b(?!\s+(?:\d|лишь|около|более|менее|почти))|\bв\s+общей\s+сложности\b",
    r"\bзагалом\b|\bусього\b(?!\s+\d)|\bвсього\b(?!\s+(?:\d|лише|близько|понад|майже))",
    r"\bümumilikdə\b|\bcəmi\b(?!\s+\d)",
    r"\bümumi\s+sahə\w*|\bобщ\w+\s+площад\w*|\bзагальн\w+\s+площ\w*",
)
#: Russia's occupation of Crimea began on 20 February 2014 (Ukraine's law on the
#: occupied territories): a gain counted from a day before it is the whole area held.
OCCUPATION_BEGAN = dt.date(2014, 2, 20)
#: Verbs of occupying (not of seizing: "seized 500 km²" with no period is still a gain
#: of some period the reader knows), read as the state when no period is named.
_OCCUPIED_STATE = _rx(
    r"\bha(?:s|ve)\s+occupied\b",
    r"\bоккупировал\w*|\bокупува\w*|\bокуповано\b|\bişğal\s+edib\w*",
)
#: A level reached, right before the figure: "increased to", "grew to", "выросла до",
#: "зросла до", "reached".
_LEVEL_BEFORE = _rx(
    r"\b(?:increased|grown|grew|risen|rose|climbed|reached|reduced|shrunk|fallen|fell)\s+"
    r"(?:to\s+)?(?:[^\W\d]+\s+){0,2}$",
    r"\b(?:выросл\w*|вырос|увеличил\w*|сократил\w*|уменьшил\w*|достиг\w*)\s+до\s+"
    r"(?:[^\W\d]+\s+){0,1}$",
    r"\b(?:зросл\w*|зріс|збільши\w*|скороти\w*|зменши\w*|сягну\w*|досяг\w*)\s+до\s+"
    r"(?:[^\W\d]+\s+){0,1}$",
)
#: A running total right before the figure: "bringing the total (figure) to 19.04 %".
_TOTAL_BEFORE = _rx(r"\btotal\s+(?:figure\s+|area\s+)?to\s+$")
#: Words that end a sub-clause inside a sentence: "the Russian army took 713 km², while
#: the Ukrainians reclaimed 79" holds two actors.
_SUBCLAUSE = _rx(
    r",\s*(?:while|whereas|but)\b|\s(?:while|whereas)\s",
    r",\s*(?:тогда\s+как|в\s+то\s+время\s+как|а|но)\s",
    r",\s*(?:тоді\s+як|а|але)\s",
    r"\sisə\s|,\s*amma\s",
)
#: A word for Russia that is the object, not the actor: "from Russian occupation",
#: "від окупантів", "Rusiyanın işğalından".
_FROM = re.compile(
    r"(?:\bfrom|\bpurged\s+of|\bcleared\s+of|\bот|\bиз|\bиз-под|\bвід|\bз-під)\s+(?:\w+\s+)?$",
    _F,
)
#: A word for Russia after these is the opponent: "advancement against Russian forces".
_OPPONENT = re.compile(r"(?:\bagainst|\bпротив|\bпроти)\s+(?:\w+\s+)?$", _F)
#: A word for Russia right after a word for a region is the country the region is in:
#: "в Курской области РФ", "у Курській області Росії".
_PLACE_OF = re.compile(r"(?:област\w*|облас\w*|region|регион\w*|регіон\w*)\s+$", _F)

#: Comparisons: kind, pattern. ``since`` and the window are read from the text after
#: the match (the next 40 characters), the reference period likewise.
_COMPARISONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "fastest",
        _rx(
            r"\bfastest\s+(?:pace|rate|advance\w*|gains?)",
            r"\bсамы\w*\s+быстр\w*|\bнаибол\w*\s+быстр\w*|\bрекордн\w*\s+темп\w*",
            r"\bнайшвидш\w*|\bрекордн\w*\s+темп\w*",
            r"\bən\s+sürətli\w*",
        ),
    ),
    (
        "slowest",
        _rx(
            r"\bslowest\s+(?:pace|rate)",
            r"\bсамы\w*\s+медлен\w*",
            r"\bнайповільн\w*",
            r"\bən\s+yavaş\w*",
        ),
    ),
    (
        "largest_since",
        _rx(
            r"\b(?:largest|biggest|greatest|highest|most|largest\s+single)\b[^.;]{0,40}?\bsince\b",
            r"\b(?:крупнейш|наибольш|максимальн|самы\w*\s+(?:больш|значительн|высок))\w*"
            r"[^.;]{0,40}?\bс\s",
            r"\b(?:найбільш|максимальн|найвищ)\w*[^.;]{0,40}?\b(?:з|із)\s",
            r"\b\w+(?:dan|dən)\s+bəri\s+ən\s+(?:böyük|çox)\w*",
        ),
    ),
    (
        "smallest_since",
        _rx(
            r"\b(?:smallest|lowest|least)\b[^.;]{0,40}?\bsince\b",
            r"\b(?:наименьш|минимальн|самы\w*\s+(?:маленьк|низк|мал))\w*[^.;]{0,40}?\bс\s",
            r"\b(?:найменш|мінімальн|найнижч)\w*[^.;]{0,40}?\b(?:з|із)\s",
        ),
    ),
    (
        "record",
        _rx(
            r"\brecord\w*",
            r"\bрекорд\w*",
            r"\brekord\w*",
            # a superlative within a year, with no "since": "the most successful month of
            # 2025", "the fastest weekly offensive this year", "найуспішнішим … за рік"
            r"\b(?:most\s+successful|best|biggest|largest|fastest)\s+(?:[\w-]+\s+){0,3}?"
            r"(?:week|month|offensive|advance|gain)\w*\s+(?:[\w'’]+\s+){0,2}?"
            r"(?:this\s+year|of\s+(?:the\s+year|20\d\d)|in\s+20\d\d)\b",
            r"\bнайуспішніш\w*|\bсамы\w*\s+успешн\w*|\bən\s+uğurlu\w*",
        ),
    ),
    (
        "multiple",
        _rx(
            r"\bdoubled?\b|\btwice\s+(?:as|the)\b|\b(?:two|three|four|2|3|4)\s+times\b|\btripled\b",
            r"\bвдвое\b|\bудвои\w*|\bвтрое\b|\bв\s+(?:два|три|2|3)\s+раза\b",
            r"\bвдвічі\b|\bподвої\w*|\bвтричі\b|\bу\s+(?:два|три|2|3)\s+рази\b",
            r"\b(?:iki|üç|2|3)\s+dəfə\b|\bikiqat\w*",
        ),
    ),
)
_FACTORS = {
    "two": 2,
    "2": 2,
    "twice": 2,
    "doubled": 2,
    "вдвое": 2,
    "удво": 2,
    "вдвічі": 2,
    "подвої": 2,
}
_FACTORS |= {
    "три": 3,
    "three": 3,
    "3": 3,
    "tripled": 3,
    "втрое": 3,
    "втричі": 3,
    "üç": 3,
    "iki": 2,
    "ikiqat": 2,
}
_FACTORS |= {"four": 4, "4": 4, "два": 2}
#: Windows of a record ("for any single week this past year", "since the invasion").
_WINDOW_YEAR = _rx(
    r"\b(?:this\s+|the\s+)?past\s+(?:year|12\s+months)|\bin\s+a\s+year|\bthis\s+year",
    r"\bза\s+(?:последний\s+)?год\b|\bза\s+(?:последние\s+)?12\s+месяц\w*|\bв\s+этом\s+году",
    r"\bза\s+(?:останній\s+)?рік\b|\bза\s+(?:останні\s+)?12\s+місяц\w*|\bцього\s+року",
    r"\bson\s+bir\s+il\w*|\bbu\s+il\w*",
)
_WINDOW_WAR = _rx(
    r"\bsince\s+the\s+(?:start|beginning)\s+of\s+the\s+(?:full[- ]scale\s+)?(?:war|invasion)",
    r"\bsince\s+(?:the\s+)?(?:full[- ]scale\s+)?invasion",
    r"\bс\s+начала\s+(?:полномасштабн\w*\s+)?(?:войн\w*|вторжени\w*)",
    r"\bз\s+початку\s+(?:повномасштабн\w*\s+)?(?:війни|вторгнення)",
    r"\bmüharibənin\s+əvvəlindən|\bişğalın\s+əvvəlindən",
)
#: Settlement captures: a verb and a settlement word before a gazetteer name.
_SETTLEMENT_WORD = _rx(
    r"\b(?:village|town|city|cities|settlement|hamlet)s?\s+of\b|\bvillages?\b|\btowns?\b",
    r"\bсел[оауе]\b|\bсёл\b|\bпос[её]л\w*|\bгород\w*|\bн\.\s*п\.|\bпгт\b",
    r"\bнаселённ\w*\s+пункт\w*|\bнаселенн?\w*\s+пункт\w*|\bдеревн\w*",
    r"\bсіл\b|\bселищ\w*|\bмісто\b|\bміста\b|\bсмт\b",
    r"\bkənd\w*|\bqəsəbə\w*|\bşəhər\w*",
)
#: Words of taking a settlement: the verbs of gaining and liberating, and the nouns
#: ("the capture of", "об оккупации", "про окупацію", "о взятии", "işğalı").
_TAKING = _rx(
    _GAINED.pattern,
    _LIBERATED.pattern,
    r"\bcapture\s+of\b|\boccupation\s+of\b|\bfall\s+of\b",
    r"\bоккупаци[июя]\b|\bвзяти[еия]\b|\bзахват[еау]?\b",
    r"\bокупаці[юї]\b|\bзахоплен\w*|\bвзяття\b",
)
#: A name right after these is the taker or a landmark, not the place taken.
_AGENT_BEFORE = re.compile(r"\b(?:by|from|near|від|от|біля|около|возле|tərəfindən)\s+$", _F)
#: A passive after a name: "Andriivka and Klishchiivka were “liberated”".
_PASSIVE_AFTER = re.compile(
    r"^(?:\s*(?:,|and)\s*[A-Z][\w'’-]+)*\s*(?:(?:was|were|has|have|had|been|being|is|are|"
    r"now|reportedly|fully|completely)\s+){1,3}[\"“«']?",
    re.UNICODE,
)
#: Between two names of one list: "A and B", "A, B", "A и B", "A та B", "A və B"
#: (an aside in brackets may follow a name: "Pivniçnoe (Kirovo)").
_JOINER = r"(?:,\s*(?:(?:and|и|і|та|й|və)\s+)?|(?:and|и|і|та|й|və)\s+)"
_ASIDE = r"(?:\s*\([^()]{1,30}\))?"
_LISTED = r"[A-ZА-ЯЁІЇЄҐŞÇÖÜİƏĞ][\w'’ʼ-]+"
#: Between two names of one list, other names may stand (ones the gazetteer does not
#: know): "A, B, C and D".
_LIST_JOIN = re.compile(
    rf"^{_ASIDE}\s*{_JOINER}(?:{_LISTED}{_ASIDE}\s*{_JOINER}){{0,5}}$",
    re.UNICODE,
)
#: Between a settlement word and a name: nothing, or the list's earlier names
#: ("села Запорожское и Новогеоргиевка").
#: A word that opens the list may stand first: "11 населенных пунктов, среди которых A".
_LIST_HEAD = re.compile(
    r"^\s*(?:,?\s*(?i:среди\s+которых|в\s+том\s+числе|а\s+именно|серед\s+яких|"
    r"у\s+тому\s+числі|зокрема|including|among\s+them|namely|[:—–])\s*)?"
    rf"(?:{_LISTED}{_ASIDE}\s*{_JOINER}){{0,5}}$",
    re.UNICODE,
)
#: A list after a colon or a dash that follows a settlement word: "двумя населенными
#: пунктами в Днепропетровской области: Степовое и Вербовое".
_COLON_LIST = re.compile(rf"[:—–]\s*(?:{_LISTED}{_ASIDE}\s*{_JOINER}){{0,5}}$", re.UNICODE)

#: Azerbaijani names the kind of place after its name: "Sokil kəndini", "Sudja şəhərinə".
_SETTLEMENT_AFTER = re.compile(
    r"(?:\s*\([^()]{1,30}\))?\s*(?:kənd|qəsəbə|şəhər|yaşayış\s+məntəqə)\w*", _F
)

#: Ukraine's area for shares of it, km² (State Statistics Service of Ukraine,
#: 603,628 km² with Crimea). One constant: the ruler reads it from here.
UKRAINE_KM2 = 603_628.0

AREA_UNITS = (Unit.KM2, Unit.MI2, Unit.HA, Unit.PERCENT)


@dataclass(frozen=True)
class _Context:
    text: str
    lang: Lang
    anchor: dt.date


def parse(
    text: str,
    *,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    gazetteer: Callable[[], places.Gazetteer | None] | None = None,
    cases_finder: Callable[[str, Lang, dt.date], Sequence[CaseClaim]] | None = None,
) -> Parsed:
    """Read ``text``: its language, anchor date and claims.

    The anchor (the day "last week" is counted back from) is ``as_of`` when given,
    else a publication date the text gives itself (a dateline), else ``today``
    (default: the system's date). ``gazetteer()`` gives the settlements to look names
    up in (called only when the sentence speaks of taking a settlement: building it
    costs 0.3 s). ``cases_finder(text, lang, anchor)`` returns the registry claims
    (:func:`vigil.claims.cases.find` bound to an actor); None skips them.
    """
    lang = numbers.detect_lang(text)
    if as_of is not None:
        anchor, basis = as_of, "--as-of"
    else:
        published = periods.publication_date(text, lang)
        if published is not None:
            anchor, basis = published, "publication date in the text"
        else:
            anchor, basis = today or dt.date.today(), "today"
    ctx = _Context(text, lang, anchor)
    quantities = numbers.find_quantities(text, lang)
    mentions = periods.find_periods(text, lang, anchor)
    comparisons = _comparisons(ctx)
    oblasts = places.find_oblasts(text)
    areas = places.find_areas(text)
    claims: list[Claim] = []
    figures = [
        q
        for q in quantities
        if q.unit in AREA_UNITS and not _is_rate(text, q) and not _is_difference(text, q)
    ]
    for q in figures:
        claim = _territory_claim(ctx, q, mentions, comparisons, oblasts, areas, figures)
        previous = claims[-1] if claims else None
        if isinstance(previous, TerritoryClaim) and previous.quantity is not None:
            claim = _restated(ctx.text, previous, claim)
        claims.append(claim)
    if not claims:
        claims.extend(_comparison_claims(ctx, mentions, comparisons, oblasts))
    if _TAKING.search(text) and (not claims or _SETTLEMENT_WORD.search(text)):
        # with figures, only a settlement a settlement word names ("20 km² near Svatove,
        # where the village of Zelenyi Hai passed under their control"), outside the
        # area phrases the figures are for
        settled = _settlement_claims(ctx, mentions, gazetteer() if gazetteer else None, claims)
        claims.extend(settled)
    if cases_finder is not None:
        found = cases_finder(text, lang, anchor)
        claims.extend(c for c in found if not _overlaps_area(c, claims))
    unparsed = tuple(
        q.span.text for q in quantities if q.unit not in AREA_UNITS and not _used(q, claims)
    )
    claims.sort(key=lambda c: c.span.start)
    return Parsed(text, lang, anchor, basis, tuple(claims), unparsed)


def _territory_claim(
    ctx: _Context,
    q: Quantity,
    mentions: list[PeriodMention],
    comparisons: list[Comparison],
    oblasts: list[Place],
    areas: Sequence[Place] = (),
    figures: Sequence[Quantity] = (),
) -> TerritoryClaim:
    clause = _clause(ctx.text, q.span)
    sub = _subclause(ctx.text, q.span, clause)
    actor, measure = _read_actor_measure(ctx.text, q, sub, clause)
    inside = [c.span for c in comparisons]
    own = [
        m
        for m in mentions
        if not any(_within(m.span, s) for s in inside) and not _when_said(ctx.text, m.span)
    ]
    period = _nearest(own, q.span, clause)
    words = ctx.text[sub[0] : sub[1]]
    if period is None and measure is Measure.GAINED and _share_of(ctx.text, q, oblasts):
        # "ВС РФ освободили 99,7 % территории ЛНР": a share of a region taken, with no
        # period, is the share held
        measure = Measure.HELD
    if (
        period is None
        and measure is Measure.GAINED
        and not _LIBERATED.search(words)
        and (_TOTAL.search(words) or _OCCUPIED_STATE.search(words))
    ):
        # "in total, Russia has seized 116,165 sq km"; "Росія окупувала 109 тис. км
        # кв.": occupying with no period is the state reached
        measure = Measure.HELD
    if (
        period is not None
        and measure is Measure.GAINED
        and period.kind == "period"
        and period.readings[0].start <= OCCUPATION_BEGAN
        and not _LIBERATED.search(words)
    ):
        # "с 2014 года Россия захватила менее 20 %": gained since before any occupation
        # is all it holds, on the anchor
        measure, period = Measure.HELD, None
    if (
        period is not None
        and period.kind == "day"
        and period.readings[0].start == periods.BEFORE_INVASION_DAY
        and measure is Measure.GAINED
        and not _LIBERATED.search(words)
    ):
        measure = Measure.HELD  # "prior to the invasion, Russia occupied 7 %": a state
    if measure is Measure.GAINED and _LEVEL_BEFORE.search(ctx.text, sub[0], q.span.start):
        measure = Measure.HELD  # "had increased to nearly 125,000 km²", "выросла до …"
    comparison = _nearest_comparison(comparisons, q.span)
    place = (
        _area(ctx.text, areas, q, clause, sub, figures)
        or _share_of(ctx.text, q, oblasts)
        or _nearest_place(oblasts, q.span)
    )
    spans = [q.span] + [x.span for x in (period, comparison, place) if x is not None]
    start, end = min(s.start for s in spans), max(s.end for s in spans)
    return TerritoryClaim(
        span=Span(start, end, ctx.text[start:end]),
        actor=actor,
        measure=measure,
        quantity=q,
        period=period,
        comparison=comparison,
        place=place,
    )


#: Between a figure and its restatement as a share ("5842 кв. км, что составляет 0,96 %",
#: "4336 кв км …, що складає приблизно 0,72 %", "1,000 sq km, or 0.2 %").
_RESTATE = re.compile(
    r"^[^.;:\d]{0,60}?(?:,\s*|\s+)(?:что\s+составля\w*|что\s+равно|то\s+есть|или|що\s+склада\w*|"
    r"що\s+станов\w*|тобто|або|which\s+(?:is|was|represents|amounts\s+to)|or|amounting\s+to|"
    r"equal(?:ling|ing)?\s+to|equivalent\s+to|i\.\s?e\.|bu\s+da|yəni)\s+(?:[^\W\d]+\s+){0,2}$",
    _F,
)


def _restated(text: str, previous: TerritoryClaim, claim: TerritoryClaim) -> TerritoryClaim:
    """A share that restates the figure before it ("захватил 5842 кв. км, что составляет
    0,96 % …") is the same claim's: it takes that claim's actor, measure and period."""
    from dataclasses import replace

    assert previous.quantity is not None and claim.quantity is not None
    if (claim.quantity.unit is Unit.PERCENT) == (previous.quantity.unit is Unit.PERCENT):
        return claim
    if not _RESTATE.match(text[previous.quantity.span.end : claim.quantity.span.start]):
        return claim
    return replace(
        claim,
        actor=previous.actor,
        measure=previous.measure,
        period=previous.period or claim.period,
    )


#: A rate, not an area of a period: "15 km² a day", "14.5 km² claimed each day",
#: "со скоростью 15 кв. км в день", "по 20 кв. км щодня".
_RATE_AFTER = re.compile(
    r"^\)?(?:\s*\([^()]{1,40}\))?(?:\s+\w+){0,2}?\s+(?:a|per|each|every)\s+day\b|"
    r"^\)?(?:\s*\([^()]{1,40}\))?(?:\s+\w+){0,2}?\s+(?:в\s+(?:день|сутки)|на\s+день|щодн\w+|"
    r"на\s+добу|в\s+середньому\s+за\s+добу|gündəlik|hər\s+gün)\b",
    _F,
)


#: Between a share and the region it is of: "60 % of the Donetsk region", "99,7 %
#: территории ЛНР", "10,6 % площі Донецької області".
_SHARE_OF = re.compile(
    r"^\s*(?:of\s+(?:the\s+)?|(?:территории|площади|території|площі)\s+|"
    r"(?:ərazisinin|sahəsinin)\s+)?$",
    _F,
)


def _share_of(text: str, q: Quantity, oblasts: list[Place]) -> Place | None:
    """The oblast a share is of, named right after it (else the nearest oblast is
    taken, which in "98.5 % of Luhansk region and 60 % of Donetsk region" is wrong for
    the second)."""
    if q.unit is not Unit.PERCENT:
        return None
    for place in oblasts:
        if place.span.start >= q.span.end and _SHARE_OF.match(text[q.span.end : place.span.start]):
            return place
    return None


#: A verb of saying next to a date: the day of the statement, not of the claim ("said
#: on May 31 that …", "В конце августа Минобороны сообщило, что …").
_SAID_BEFORE = re.compile(
    r"\b(?:said|says|told|reported|announced|stated|claimed|заявил\w*|сообщил\w*|"
    r"доложил\w*|заявив\w*|повідомив\w*|повідомил\w*|bildirib|açıqlayıb)\s+(?:on\s+)?$",
    _F,
)
_SAID_AFTER = re.compile(
    r"^\s*(?:[^\W\d]+\s+){0,2}?(?:said|told|reported|announced|stated|заявил\w*|"
    r"сообщил\w*|сообщило|доложил\w*|заявив\w*|повідомив\w*|повідомил\w*|повідомило)\b",
    _F,
)


def _when_said(text: str, span: Span) -> bool:
    return bool(
        _SAID_BEFORE.search(text[max(0, span.start - 30) : span.start])
        or _SAID_AFTER.match(text[span.end : span.end + 40])
    )


#: A difference from another figure, not an area of a period: "на 250 кв. км більше,
#: ніж у жовтні", "250 kvadrat kilometr çoxdur", "200 km² more than in September".
_DIFFERENCE_AFTER = re.compile(
    r"^\s*(?:більше|менше|больше|меньше|more|less|fewer)\b(?:,?\s*(?:ніж|чем|than)\b)|"
    r"^\s+(?:çox|az|artıq)(?:dur|dır|dir)?\b",
    _F,
)


def _is_difference(text: str, q: Quantity) -> bool:
    return _DIFFERENCE_AFTER.match(text[q.span.end : q.span.end + 30]) is not None


def _is_rate(text: str, q: Quantity) -> bool:
    return _RATE_AFTER.match(text[q.span.end : q.span.end + 60]) is not None


def _area(
    text: str,
    areas: Sequence[Place],
    q: Quantity,
    clause: tuple[int, int],
    sub: tuple[int, int],
    figures: Sequence[Quantity],
) -> Place | None:
    """The area with no boundary ("near Bakhmut", "на півдні") that qualifies ``q``: in
    its sentence, with no other figure between them ("95 km² near A and 63 km² near
    B"), the nearest. It wins over an oblast named too ("в районе Сватово Луганской
    области": the figure is for the front near the town, not the oblast)."""
    own = []
    for a in areas:
        if not (clause[0] <= a.span.start and a.span.end <= clause[1]):
            continue
        lo, hi = sorted((a.span.start, q.span.start))
        if any(f is not q and lo < f.span.start < hi for f in figures):
            continue
        own.append(a)
    # the figure's own comma-delimited segment first ("9 km² şərq cəbhəsində, 28,4 km²
    # … cənubda"); else an area before it that opens the sentence ("near Bakhmut, we
    # have 51 km²"), never one after a comma (another predicate's: "…, advancing in
    # the east")
    same = [a for a in own if not re.search(r"[,;:]", _gap(text, a.span, q.span))]
    before = [a for a in own if sub[0] <= a.span.start and a.span.end <= q.span.start]
    return _nearest_place(same or before, q.span)


def _read_actor_measure(
    text: str, q: Quantity, sub: tuple[int, int], clause: tuple[int, int]
) -> tuple[Actor, Measure]:
    """Actor and measure from the quantity's sub-clause; what it lacks (no verb, no
    actor word) from the whole sentence."""
    words = text[sub[0] : sub[1]]
    at = q.span.start - sub[0]
    if _RUSSIA.search(words) or _UKRAINE.search(words) or _LIBERATED.search(words):
        actor, measure = _actor_measure(words, q, at)
    else:
        actor, measure = _actor_measure(text[clause[0] : clause[1]], q, q.span.start - clause[0])
    if not any(p.search(words) for p in (_NET, _LIBERATED, _GAINED, _LOST, _HELD)):
        _, measure = _actor_measure(text[clause[0] : clause[1]], q, q.span.start - clause[0])
    return actor, measure


def _subclause(text: str, span: Span, clause: tuple[int, int]) -> tuple[int, int]:
    """The part of the sentence ``clause`` around ``span`` between sub-clause breaks
    (", while", ", а", " isə "…)."""
    start, end = clause
    for m in _SUBCLAUSE.finditer(text, clause[0], clause[1]):
        if m.end() <= span.start:
            start = max(start, m.end())
        elif m.start() >= span.end:
            end = min(end, m.start())
    return start, end


def _actor_measure(words: str, q: Quantity, at: int = 0) -> tuple[Actor, Measure]:
    """Who gained and what is measured, from ``words`` (the quantity's sub-clause, or
    its sentence); ``at``: where the quantity starts in ``words``."""
    liberated = _LIBERATED.search(words) is not None
    actor = _actor(words, at, liberated)
    if _NET.search(words):
        return actor, Measure.NET
    if _TOTAL_BEFORE.search(words, 0, at) and q.span.text:
        return actor, Measure.HELD  # "bringing the total figure to 19.04 %"
    verbs = _measure_words(words)
    if verbs:
        # the word of a measure nearest the figure ("controls 18 % … and advances in
        # the east": held)
        end = at + len(q.span.text)
        return actor, min(verbs, key=lambda v: max(0, v[1] - end, at - v[2]))[0]
    if q.unit == Unit.PERCENT:
        return actor, Measure.HELD
    return actor, Measure.GAINED


#: At most two words and no figure between a verb of taking and a word of holding.
_JUST_BEFORE = re.compile(r"[^\w\d]+(?:[^\W\d]+[^\w\d]+){0,2}")


def _measure_words(words: str) -> list[tuple[Measure, int, int]]:
    """Every word of a measure in ``words``: (measure, start, end). A word of holding
    that contains one of taking is holding ("remains fully occupied", "occupied
    territories"): the longer phrase is the reading."""
    held = [(Measure.HELD, m.start(), m.end()) for m in _HELD.finditer(words)]
    moves = [
        (measure, m.start(), m.end())
        for measure, pattern in (
            (Measure.GAINED, _GAINED),
            (Measure.GAINED, _LIBERATED),
            (Measure.LOST, _LOST),
        )
        for m in pattern.finditer(words)
    ]
    # "regained control", "took full control", "managed to occupy": a word of holding
    # inside a taking phrase, or right after its verb, is part of the taking
    held = [
        h
        for h in held
        if not any(
            (s <= h[1] and h[2] <= e) or (e <= h[1] and _JUST_BEFORE.fullmatch(words[e : h[1]]))
            for _, s, e in moves
        )
    ]
    out = list(held)
    out += [m for m in moves if not any(s <= m[1] and m[2] <= e for _, s, e in held)]
    return out


def _actor(words: str, at: int, liberated: bool) -> Actor:
    """The actor named nearest before the quantity (else nearest after it): in "the
    Russian army took 713 km²" and in Azerbaijani's subject-first "Ukrayna ordusu 37
    kv. km … Rusiyanın işğalından azad edib" alike. A word for Russia after "from" or
    with an ablative ending ("işğalından") is what was liberated from, not the actor.
    With no actor word: Ukraine after a verb of liberation, else Russia."""
    found: list[tuple[Actor, int, int]] = []
    taken_from: list[Actor] = []
    for actor, pattern in ((Actor.RUSSIA, _RUSSIA), (Actor.UKRAINE, _UKRAINE)):
        for m in pattern.finditer(words):
            if _FROM.search(words[: m.start()]) or (
                actor is Actor.RUSSIA
                and (
                    re.match(r"\w*(?:dan|dən)\b", m.group(0))
                    or re.match(r"\s+\w*(?:dan|dən)\b", words[m.end() :])
                )
            ):
                taken_from.append(actor)  # "liberated from the occupiers", "от ВСУ"
                continue
            if actor is Actor.RUSSIA and (
                _OPPONENT.search(words[: m.start()]) or _PLACE_OF.search(words[: m.start()])
            ):
                continue  # "against Russian forces", "в Курской области РФ": not the actor
            found.append((actor, m.start(), m.end()))
    if not found:
        if taken_from and liberated:
            # what was liberated from one side was liberated by the other ("От ВСУ
            # освобождена территория": Russian MoD wording)
            return Actor.RUSSIA if taken_from[0] is Actor.UKRAINE else Actor.UKRAINE
        return Actor.UKRAINE if liberated else Actor.RUSSIA
    before = [f for f in found if f[1] < at]
    if before:
        return max(before, key=lambda f: f[1])[0]
    return min(found, key=lambda f: f[1])[0]


def _comparisons(ctx: _Context) -> list[Comparison]:
    out: list[Comparison] = []
    for kind, pattern in _COMPARISONS:
        for m in pattern.finditer(ctx.text):
            if any(c.span.start <= m.start() < c.span.end for c in out):
                continue
            out.append(_comparison(ctx, kind, m))
    return sorted(out, key=lambda c: c.span.start)


def _comparison(ctx: _Context, kind: str, m: re.Match[str]) -> Comparison:
    """The comparison at ``m``, with its window, ``since`` date or factor and
    reference period read from the words that follow (up to the clause's end)."""
    tail_end = _clause(ctx.text, Span(m.start(), m.end(), m.group(0)))[1]
    tail = ctx.text[m.end() : tail_end]
    end = m.end()
    window = None
    since = None
    reference = None
    factor = None
    war = _WINDOW_WAR.search(tail)
    year = _WINDOW_YEAR.search(tail)
    if kind in ("largest_since", "smallest_since", "fastest", "slowest"):
        # "since November 2022", "с ноября 2022 года", "2022-ci ilin noyabrından bəri"
        head = ctx.text[max(0, m.start() - 40) : m.start()] if ctx.lang == Lang.AZ else ""
        found = periods.find_periods(tail, ctx.lang, ctx.anchor)
        starts = [r.start for mention in found for r in mention.readings[:1]]
        if war is not None:
            window, end = "war", m.end() + war.end()
        elif starts:
            since = starts[0]
            end = tail_end
        elif head:
            found = periods.find_periods(head, ctx.lang, ctx.anchor)
            since = found[0].readings[0].start if found else None
    if kind == "record":
        if year is not None:
            window, end = "year", m.end() + year.end()
        elif war is not None:
            window, end = "war", m.end() + war.end()
        else:
            window = "war"
    if kind == "multiple":
        word = m.group(0).lower()
        factor = next((f for k, f in _FACTORS.items() if k in word), 2)
        found = periods.find_periods(tail, ctx.lang, ctx.anchor)
        if found:
            reference = found[0]
            end = m.end() + reference.span.end
            reference = _shift(reference, m.end())
    return Comparison(
        kind=kind,
        span=Span(m.start(), end, ctx.text[m.start() : end]),
        window=window,
        since=since,
        factor=factor,
        reference=reference,
    )


def _shift(mention: PeriodMention, offset: int) -> PeriodMention:
    from dataclasses import replace

    s = mention.span
    return replace(mention, span=Span(s.start + offset, s.end + offset, s.text))


def _comparison_claims(
    ctx: _Context,
    mentions: list[PeriodMention],
    comparisons: list[Comparison],
    oblasts: list[Place],
) -> list[TerritoryClaim]:
    """A comparison about an advance with no figure: "Russian troops advanced in
    September at their fastest pace since March 2022" (the comparison is the claim)."""
    out = []
    for comp in comparisons:
        clause = _clause(ctx.text, comp.span)
        words = ctx.text[clause[0] : clause[1]]
        if not (_GAINED.search(words) or _LIBERATED.search(words) or _LOST.search(words)):
            continue
        actor, measure = _actor_measure(words, _NO_QUANTITY, comp.span.start - clause[0])
        if measure is Measure.HELD:
            continue
        own = [m for m in mentions if not _within(m.span, comp.span)]
        period = _nearest(own, comp.span, clause)
        place = _nearest_place(oblasts, comp.span)
        spans = [comp.span] + [x.span for x in (period, place) if x is not None]
        start, end = min(x.start for x in spans), max(x.end for x in spans)
        out.append(
            TerritoryClaim(
                span=Span(start, end, ctx.text[start:end]),
                actor=actor,
                measure=measure,
                quantity=None,
                period=period,
                comparison=comp,
                place=place,
            )
        )
    return out[:1]


def _settlement_claims(
    ctx: _Context,
    mentions: list[PeriodMention],
    gazetteer: places.Gazetteer | None,
    figures: Sequence[Claim] = (),
) -> list[TerritoryClaim]:
    """One claim per settlement taken: a name the gazetteer knows that a word for a
    settlement names ("the village of A", "село A", "A kəndini"), or that a verb of
    taking governs ("captured A"), or that is in one list with such a name ("the
    villages of A and B", "A, B və C yaşayış məntəqələrini")."""
    found = places.find_settlements(ctx.text, gazetteer, az=ctx.lang is Lang.AZ)
    accepted = []
    for place in found:
        before = ctx.text[max(0, place.span.start - 60) : place.span.start]
        after = ctx.text[place.span.end : place.span.end + 30]
        # the settlement word within the three words before the name ("the key cities
        # of Izium"), not anywhere before it ("Sokil, … north-west of Donetsk city")
        near = re.search(r"(?:[\w.]+[^\w.]+){0,4}$", before)
        word = None
        if near is not None:
            word = max(_SETTLEMENT_WORD.finditer(near[0]), key=lambda w: w.end(), default=None)
        # ... and no other name between it and this one ("the village of A in the B region")
        named = bool(
            (near is not None and word is not None and _LIST_HEAD.match(near[0][word.end() :]))
            or _SETTLEMENT_AFTER.match(after)
            or (_COLON_LIST.search(before) and _SETTLEMENT_WORD.search(before))
        )
        verb = re.search(r"(?:\w+\W+){0,2}$", before)
        taken = (
            verb is not None
            and _TAKING.search(verb[0]) is not None
            and not _AGENT_BEFORE.search(before)  # "recaptured by Kyiv": the taker
        )
        passive = _PASSIVE_AFTER.match(after)  # "A and B were liberated"
        taken = taken or (passive is not None and _TAKING.match(after, passive.end()) is not None)
        if figures:
            inside = [c.place.span for c in figures if isinstance(c, TerritoryClaim) and c.place]
            named = named and not any(
                place.span.start < b.end and b.start < place.span.end for b in inside
            )
            accepted.append(bool(named))
            continue
        accepted.append(bool(named or taken))
    # a name joined by a list to a taken one is taken too (either side of it)
    changed = True
    while changed:
        changed = False
        for i in range(len(found) - 1):
            if accepted[i] != accepted[i + 1] and _LIST_JOIN.match(
                ctx.text[found[i].span.end : found[i + 1].span.start]
            ):
                accepted[i] = accepted[i + 1] = changed = True
    out = []
    for place, ok in zip(found, accepted, strict=True):
        if not ok:
            continue  # "north-west of Donetsk city": a place named, not the one taken
        clause = _clause(ctx.text, place.span)
        actor, _ = _actor_measure(ctx.text[clause[0] : clause[1]], _NO_QUANTITY)
        period = _nearest(mentions, place.span, clause)
        spans = [place.span] + ([period.span] if period else [])
        start, end = min(s.start for s in spans), max(s.end for s in spans)
        out.append(
            TerritoryClaim(
                span=Span(start, end, ctx.text[start:end]),
                actor=actor,
                measure=Measure.GAINED,
                quantity=None,
                period=period,
                place=place,
                settlement_captured=True,
            )
        )
    return out


_NO_QUANTITY = Quantity(0.0, Unit.KM2, Hedge.EXACT, 1.0, Span(0, 0, ""))


def _clause(text: str, span: Span) -> tuple[int, int]:
    """The sentence around ``span``: from the previous full stop (or semicolon, or
    ellipsis) to the next one."""
    stops = [m.end() for m in re.finditer(r"(?:[.;!?…]|\.\.\.)(?=\s|$)", text)]
    start = max((s for s in stops if s <= span.start), default=0)
    end = min((s for s in stops if s > span.end), default=len(text))
    return start, end


def _gap(text: str, a: Span, b: Span) -> str:
    """The text between two spans (empty when they overlap)."""
    lo, hi = (a, b) if a.start <= b.start else (b, a)
    return text[lo.end : hi.start]


def _within(a: Span, b: Span) -> bool:
    return b.start <= a.start and a.end <= b.end


def _distance(a: Span, b: Span) -> int:
    return max(0, b.start - a.end, a.start - b.end)


def _nearest(
    mentions: list[PeriodMention], span: Span, clause: tuple[int, int]
) -> PeriodMention | None:
    inside = [m for m in mentions if clause[0] <= m.span.start < clause[1]] or mentions
    return min(inside, key=lambda m: _distance(m.span, span), default=None)


def _nearest_comparison(comparisons: list[Comparison], span: Span) -> Comparison | None:
    return min(comparisons, key=lambda c: _distance(c.span, span), default=None)


def _nearest_place(found: list[Place], span: Span) -> Place | None:
    return min(found, key=lambda p: _distance(p.span, span), default=None)


def _used(q: Quantity, claims: list[Claim]) -> bool:
    for c in claims:
        if isinstance(c, CaseClaim) and any(x.span == q.span for x in c.quantities):
            return True
    return False


def _overlaps_area(claim: CaseClaim, claims: list[Claim]) -> bool:
    """A registry claim whose numbers are a territory claim's area (never both)."""
    areas = [c.quantity.span for c in claims if isinstance(c, TerritoryClaim) and c.quantity]
    return any(q.span in areas for q in claim.quantities)
