"""Personal data masked out of citizens' free text before statistics keep it (152-FZ)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.screening import contains_personal_data, mask_personal_data

# --- numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    ["+7 912 345-67-89", "+7(912)345-67-89", "+79123456789", "8(912)3456789", "8 (912) 345 67 89", "89123456789",
     "7-912-345-67-89", "8-800-100-00-00", "8 (83342) 4-12-34", "912 345-67-89", "(912) 345-67-89", "9123456789",
     "+375 29 123-45-67"],
)
def test_phones(phone: str) -> None:
    assert mask_personal_data(f"Перезвоните мне {phone}, пожалуйста") == "Перезвоните мне [телефон], пожалуйста"


@pytest.mark.parametrize(
    ("text", "masked"),
    [("тел. 45-67-89", "тел. [телефон]"), ("телефон 456789", "телефон [телефон]"),
     ("мой телефон: 4-12-34", "мой телефон: [телефон]"), ("т. 345-67-89", "т. [телефон]"),
     ("номер телефона 2-34-56 звоните", "номер телефона [телефон] звоните")],
)
def test_short_local_phones_after_tel(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


def test_short_numbers_without_tel_stay() -> None:
    text = "Кабинет 45-67, корпус 2, приём с 8-00 до 17-30, температура 37.5"
    assert mask_personal_data(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [("ivan.petrov@mail.ru", "[почта]"), ("Пишите на anna_88+bot@yandex.ru.", "Пишите на [почта]."),
     ("почта: врач@больница.рф", "почта: [почта]"), ("(test-1@gmail.com)", "([почта])")],
)
def test_emails(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize("snils", ["123-456-789 01", "123-456-789-01", "123 456 789 01", "12345678901"])
def test_snils(snils: str) -> None:
    assert mask_personal_data(f"СНИЛС {snils}.") == "СНИЛС [снилс]."


@pytest.mark.parametrize("policy", ["1234567890123456", "1234 5678 9012 3456", "1234-5678-9012-3456"])
def test_oms_policy(policy: str) -> None:
    assert mask_personal_data(f"полис ОМС {policy}") == "полис ОМС [полис]"


@pytest.mark.parametrize(
    ("text", "masked"),
    [("паспорт 3304 567890", "паспорт [паспорт]"), ("3304 567890", "[паспорт]"), ("33 04 567890", "[паспорт]"),
     ("паспорт 3304567890", "паспорт [паспорт]"), ("серия 3304 номер 567890", "серия [паспорт] номер [число]")],
)
def test_passport(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [("родилась 12.03.1985", "родилась [дата]"), ("д.р. 1.3.85", "д.р. [дата]"), ("12/03/1985", "[дата]"),
     ("12 марта 1985 года", "[дата] года"), ("1985 г.р.", "[дата] г.р."),
     ("1985 года рождения", "[дата] года рождения")],
)
def test_dates_of_birth(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [("карта 123456", "карта [число]"), ("заявка 1234567", "заявка [число]"), ("ИНН 434500123456", "ИНН [число]"),
     ("в 2024 году, 3 раза по 500 мг", "в 2024 году, 3 раза по 500 мг")],
)
def test_long_numbers(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


def test_everything_at_once() -> None:
    text = ("Меня зовут Иванова Мария Петровна, 12.03.1985 г.р., тел. +7 912 345-67-89, e-mail m.ivanova@mail.ru, "
            "СНИЛС 123-456-789 01, полис 1234 5678 9012 3456. Запишите к терапевту!")
    assert mask_personal_data(text) == (
        "Меня зовут [имя], [дата] г.р., тел. [телефон], e-mail [почта], СНИЛС [снилс], полис [полис]. "
        "Запишите к терапевту!")


# --- names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [("Иванов Иван Иванович", "[имя]"),
     ("меня зовут Мария Петрова", "меня зовут [имя]"),
     ("Прошу разобраться с Сидоровой А.П.", "Прошу разобраться с [имя]"),
     ("Врач Сидорова А. П. нахамила", "Врач [имя] нахамила"),
     ("А.П. Сидорова не приняла", "[имя] не приняла"),
     ("Жалоба на И.И.Петрова", "Жалоба на [имя]"),
     ("Запишите меня, Зайцев А.П., на приём", "Запишите меня, [имя], на приём"),
     ("записаться к Ивановой, тел. 8 912 345-67-89", "записаться к [имя], тел. [телефон]"),
     ("Меня зовут Лена", "Меня зовут [имя]"),
     ("ФИО: зайцева ольга", "ФИО: [имя]"),
     ("Моя дочь Вера заболела", "Моя дочь [имя] заболела"),
     ("Спасибо Вам большое, Надежда Петровна!", "Спасибо Вам большое, [имя]!"),
     ("Пришла к Любови Ивановне", "Пришла к [имя]"),
     ("Терапевт Петров не пришёл", "Терапевт [имя] не пришёл"),
     ("Врач Никольская грубит", "Врач [имя] грубит"),
     ("Вера Кирова записана", "[имя] записана"),
     ("ИВАНОВ ИВАН ИВАНОВИЧ", "[имя]"),
     ("Анна-Мария Петрова-Водкина", "[имя]"),
     ("Передайте Копысову и Чупраковой", "Передайте [имя] и [имя]")],
)
def test_names_are_masked(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    ["Как записаться к врачу в поликлинику?", "Где получить полис ОМС", "Больница номер 3 Кирова",
     "Детская поликлиника", "Надежда на лучшее", "Роза ветров", "Вера в медицину пропала",
     "Любовь к профессии у врачей пропала", "Справка для ГАИ, анализ крови, запись к терапевту в Москве",
     "Лучший врач Кирова", "В Кирове, в Котельниче и Слободском", "Еду в Орлов на приём",
     "Кирово-Чепецкая ЦРБ", "Слободская больница", "Никольская ЦРБ не отвечает", "ул. Ленина, д. 5",
     "больница им. Бехтерева", "Областная больница имени академика В.М. Бехтерева", "улица маршала Жукова",
     "Болезнь Паркинсона, синдром Дауна, реакция Манту, анализ мочи по Нечипоренко",
     "Лечусь у Лора, на 8 Марта и 9 Мая не работает", "Слава Богу, всё обошлось", "Ваш врач Вам перезвонит",
     "Принимаю Амиксин и Ингавирин, сдала анализы в Инвитро", "ГДЕ ПОЛУЧИТЬ СПРАВКУ ДЛЯ ГАИ",
     "Терапевт, хирург, окулист, педиатр, невролог, кардиолог", "Записаться на флюорографию и прививку",
     "Госуслуги, Минздрав, ТФОМС, СОГАЗ", "Мама с папой пришли на приём", "Москва, Киров, Вологда, Астрахань"],
)
def test_faq_words_and_places_are_kept(text: str) -> None:
    assert mask_personal_data(text) == text


@pytest.mark.parametrize(
    "word", ["врач", "поликлиника", "запись", "справка", "анализ", "больница", "терапевт", "Киров", "Москва"])
def test_faq_meaning_words_survive_anywhere(word: str) -> None:
    for text in (word, word.capitalize(), word.upper(), f"Вопрос про {word}", f"{word.capitalize()} и {word}.",
                 f"Вопрос: {word.capitalize()}, {word.capitalize()}!"):
        assert mask_personal_data(text) == text


def test_punctuation_and_spacing_are_kept() -> None:
    text = "  Здравствуйте!!!  Иванов  И.И. —  тел.:  45-67-89 ;\n\tспасибо…  "
    assert mask_personal_data(text) == "  Здравствуйте!!!  [имя] —  тел.:  [телефон] ;\n\tспасибо…  "


def test_contains_personal_data() -> None:
    assert contains_personal_data("звоните 89123456789")
    assert contains_personal_data("меня зовут Ольга")
    assert not contains_personal_data("Как записаться к врачу?")
    assert not contains_personal_data("")


@pytest.mark.parametrize("text", ["", " ", "[имя]", "[телефон] [число]", "👍", "\n"])
def test_edge_texts(text: str) -> None:
    assert mask_personal_data(text) == text


# --- properties ----------------------------------------------------------------------

_digit = st.sampled_from("0123456789")


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(_digit, min_size=n, max_size=n)


_sep = st.sampled_from(["", " ", "-"])
phones = st.one_of(
    st.tuples(st.sampled_from(["+7", "8", "+7 ", "8 ", "7-"]), _digits(3), _digits(3), _digits(2), _digits(2),
              _sep, st.booleans()).map(
        lambda t: f"{t[0]}{'(' + t[1] + ')' if t[6] else t[1]}{t[5]}{t[2]}{t[5]}{t[3]}{t[5]}{t[4]}"),
    st.tuples(_digits(2), _digits(3), _digits(2), _digits(2), _sep).map(
        lambda t: f"9{t[0]}{t[4]}{t[1]}{t[4]}{t[2]}{t[4]}{t[3]}"),
)
_local = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789._-"), min_size=1, max_size=12).filter(
    lambda s: s[0].isalnum() and s[-1].isalnum() and ".." not in s)
_label = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-"), min_size=1, max_size=10).filter(
    lambda s: s[0].isalnum() and s[-1].isalnum())
emails = st.tuples(_local, _label, st.sampled_from(["ru", "com", "org", "рф", "info"])).map(
    lambda t: f"{t[0]}@{t[1]}.{t[2]}")
snilses = st.tuples(_digits(3), _digits(3), _digits(3), _digits(2), st.sampled_from(["-", " "]),
                    st.sampled_from([" ", "-"])).map(lambda t: f"{t[0]}{t[4]}{t[1]}{t[4]}{t[2]}{t[5]}{t[3]}")

# Text made of the pieces masking works on, glued in every way, to test the rules against each other.
_PIECES = ["Иванов", "Иван", "Иванович", "Вера", "Надежда", "Роза", "Киров", "Кирова", "Лена", "А.П.", "А.", "И.",
           "зовут", "врач", "дочь", "ул.", "имени", "академика", "тел.", "паспорт", "серия", "г.р.", "марта",
           "Москва", "поликлиника", "ПЕТРОВ", "ветров", "8", "+7", "912", "345", "67", "89", "12", "03", "1985",
           "123", "456", "789", "01", "1234", "5678", "@", "mail", ".ru", "[имя]", "[число]", "[", "]", ".", ",",
           "-", "(", ")", ":", "\n", "ё"]
soup = st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(["", " ", "  ", "-", ".", "\t"])),
                max_size=16).map(lambda xs: "".join(a + b for a, b in xs))
_context = st.one_of(st.text(max_size=40), soup)
_settings = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(st.one_of(st.text(max_size=200), soup))
def test_masking_never_raises_and_is_idempotent(text: str) -> None:
    once = mask_personal_data(text)
    assert mask_personal_data(once) == once


@_settings
@given(_context, st.one_of(phones, emails, snilses), _context)
def test_inserted_contacts_never_survive(before: str, secret: str, after: str) -> None:
    masked = mask_personal_data(f"{before} ; {secret} ; {after}")
    assert secret not in masked
    assert any(p in masked for p in ("[телефон]", "[почта]", "[снилс]", "[полис]", "[паспорт]", "[число]", "[дата]"))


@_settings
@given(phones)
def test_generated_phones_are_phones(phone: str) -> None:
    assert mask_personal_data(f"мой номер {phone}") == "мой номер [телефон]"


@_settings
@given(emails)
def test_generated_emails_are_emails(email: str) -> None:
    assert mask_personal_data(f"пишите: {email}") == "пишите: [почта]"


@_settings
@given(snilses)
def test_generated_snils_are_snils(snils: str) -> None:
    assert mask_personal_data(f"снилс {snils}") == "снилс [снилс]"
