"""The second wave of reading rules, one table per rule, exact output: what a Bangla newsreader says."""

from __future__ import annotations

import pytest

from kontho.text.unicode import normalize_unicode, repair_bangla
from kontho.text.verbalize import verbalize


def said(text: str) -> str:
    return repair_bangla(verbalize(normalize_unicode(text)))


def check(cases: list[tuple[str, str]]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(("written", "spoken"), cases)


@check(
    [
        ("ফোন করুন ০১৮১৯-৫৫৪৪৩৩", "ফোন করুন শূন্য এক আট এক নয়, পাঁচ পাঁচ চার চার তিন তিন"),
        ("+880 1819-554433", "প্লাস আট আট শূন্য, এক আট এক নয়, পাঁচ পাঁচ চার চার তিন তিন"),
        ("+৮৮০১৮১৯৫৫৪৪৩৩", "প্লাস আট আট শূন্য, এক আট এক নয়, পাঁচ পাঁচ চার চার তিন তিন"),
        ("নম্বর 01819554433।", "নম্বর শূন্য এক আট এক নয়, পাঁচ পাঁচ চার চার তিন তিন।"),
        ("০২-৯৮৭৬৫৪৩", "শূন্য দুই, নয় আট সাত ছয় পাঁচ চার তিন"),
        ("+1 (212) 555-0100", "প্লাস এক, দুই এক দুই, পাঁচ পাঁচ পাঁচ, শূন্য এক শূন্য শূন্য"),
    ]
)
def test_phone_numbers_digit_by_digit_in_groups(written: str, spoken: str) -> None:
    assert said(written) == normalize_unicode(spoken)


@check(
    [
        ("৫-৭ দিন", "পাঁচ থেকে সাত দিন"),
        ("১০–১২ জন", "দশ থেকে বারো জন"),
        ("৫-৭টি", "পাঁচ থেকে সাতটি"),
        ("২০১৮-১৯ অর্থবছরে", "দুই হাজার আঠারো-উনিশ অর্থবছরে"),  # a fiscal year is a pair
        ("১৯৭১-৭৫ সময়কালে", "উনিশশো একাত্তর থেকে পঁচাত্তর সময়কালে"),
        ("১৯৭১-১৯৭৫", "উনিশশো একাত্তর থেকে উনিশশো পঁচাত্তর"),
        ("খেলা ৩-২ গোলে", "খেলা তিন-দুই গোলে"),  # a score is not a range
    ]
)
def test_ranges_and_fiscal_years(written: str, spoken: str) -> None:
    assert said(written) == normalize_unicode(spoken)


@check(
    [
        ("2023-11-05", "পাঁচই নভেম্বর দুই হাজার তেইশ"),
        ("২০২৩/১১/০৫", "পাঁচই নভেম্বর দুই হাজার তেইশ"),
        ("05.11.2023", "পাঁচই নভেম্বর দুই হাজার তেইশ"),
        ("5 November 2023", "পাঁচই নভেম্বর দুই হাজার তেইশ"),
        ("November 5, 2023", "পাঁচই নভেম্বর দুই হাজার তেইশ"),
        ("21st Feb", "একুশে ফেব্রুয়ারি"),
        ("Nov. 5", "পাঁচই নভেম্বর"),
        ("March 1971", "মার্চ উনিশশো একাত্তর"),
        ("২৬ মার্চ ১৯৭১", "ছাব্বিশে মার্চ উনিশশো একাত্তর"),
        ("৫ মেয়ে", "পাঁচ মেয়ে"),  # মে the month is not the start of মেয়ে
        ("৩২.১৩.২০২০", "বত্রিশ তেরো দুই হাজার বিশ"),  # not a date: the numbers one by one
    ]
)
def test_dates_in_the_forms_people_write(written: str, spoken: str) -> None:
    assert said(written) == normalize_unicode(spoken)


@check(
    [
        ("9:30 am", "সকাল নয়টা ত্রিশ"),
        ("7:15 pm", "রাত সাতটা পনের"),
        ("3:00 p.m.", "দুপুর তিনটা"),
    ]
)
def test_times_with_am_and_pm_say_the_part_of_the_day(written: str, spoken: str) -> None:
    assert said(written) == normalize_unicode(spoken)


@check(
    [
        ("দূরত্ব ১২ কিমি", "দূরত্ব বারো কিলোমিটার"),
        ("৫ km পথ", "পাঁচ কিলোমিটার পথ"),
        ("৫০kg", "পঞ্চাশ কিলোগ্রাম"),
        ("২ কেজি চাল", "দুই কেজি চাল"),
        ("৫ মিটার", "পাঁচ মিটার"),
        ("২ লিটার", "দুই লিটার"),
        ("১০ সেমি", "দশ সেন্টিমিটার"),
        ("৫ মিমি বৃষ্টি", "পাঁচ মিলিমিটার বৃষ্টি"),
        ("২০০ গ্রাম", "দুইশত গ্রাম"),
        ("100 m", "একশত মিটার"),
        ("১০০ মি. দৌড়", "একশত মিটার দৌড়"),
        ("12 cm", "বারো সেন্টিমিটার"),
        ("৩ mm", "তিন মিলিমিটার"),
        ("২৫০ g", "দুইশত পঞ্চাশ গ্রাম"),
        ("২ l", "দুই লিটার"),
        ("৫০০ ml", "পাঁচশত মিলিলিটার"),
        ("৩০°C", "ত্রিশ ডিগ্রি সেলসিয়াস"),
        ("৩৫°সে", "পঁইত্রিশ ডিগ্রি সেলসিয়াস"),
        ("98.6°F", "আটানব্বই দশমিক ছয় ডিগ্রি ফারেনহাইট"),
        ("৮০ km/h", "আশি কিলোমিটার প্রতি ঘণ্টা"),
        ("৫-৭%", "পাঁচ থেকে সাত শতাংশ"),
        ("৫‰", "প্রতি হাজারে পাঁচ"),
    ]
)
def test_units_and_symbols(written: str, spoken: str) -> None:
    assert said(written) == normalize_unicode(spoken)


@check(
    [
        ("১.৫ কেজি", "দেড় কেজি"),
        ("২.৫ কোটি টাকা", "আড়াই কোটি টাকা"),
        ("৩.৫ ঘণ্টা", "সাড়ে তিন ঘণ্টা"),
        ("১.২৫ লিটার", "সোয়া এক লিটার"),
        ("২.৭৫ কিমি", "পৌনে তিন কিলোমিটার"),
        ("০.৫ কেজি", "আধা কেজি"),
        ("০.২৫ কেজি", "সিকি কেজি"),
        ("৩.১৪", "তিন দশমিক এক চার"),  # no word for it: দশমিক
        ("১২.৫ %", "বারো দশমিক পাঁচ শতাংশ"),
        ("মান ২.৫", "মান দুই দশমিক পাঁচ"),  # no measure after it: দশমিক
        ("২½", "আড়াই"),
        ("3¼ কাপ", "সোয়া তিন কাপ"),
        ("½ কেজি", "আধা কেজি"),
        ("½", "অর্ধেক"),
        ("¾", "তিন চতুর্থাংশ"),
        ("৩/৪ অংশ", "তিন চতুর্থাংশ অংশ"),
        ("২/৩", "দুই তৃতীয়াংশ"),
        ("বাড়ি ১২/৩", "বাড়ি বারো স্ল্যাশ তিন"),
    ]
)
def test_fractions_by_their_words_where_there_is_one(written: str, spoken: str) -> None:
    assert said(written) == normalize_unicode(spoken)


@check(
    [
        ("৳৫০০ টাকা", "পাঁচশত টাকা"),  # the currency said once
        ("৳৫০০", "পাঁচশত টাকা"),
        ("৳১২.৫০", "বারো টাকা পঞ্চাশ পয়সা"),
        ("Tk 500", "পাঁচশত টাকা"),
        ("৫০০ Tk", "পাঁচশত টাকা"),
        ("৳১.৫ কোটি", "দেড় কোটি টাকা"),
        ("Rs. 500", "পাঁচশত রুপি"),
        ("₹৫০", "পঞ্চাশ রুপি"),
        ("$12.50", "বারো ডলার পঞ্চাশ সেন্ট"),
        ("$৫০০ ডলার", "পাঁচশত ডলার"),
        ("$5-10", "পাঁচ থেকে দশ ডলার"),
        ("20 USD", "বিশ ডলার"),
        ("USD 5 million", "পাঁচ মিলিয়ন ডলার"),
        ("€1,200", "এক হাজার দুইশত ইউরো"),
        ("£3", "তিন পাউন্ড"),
    ]
)
def test_currencies_with_their_names(written: str, spoken: str) -> None:
    assert said(written) == normalize_unicode(spoken)


@check(
    [
        ("বিশ্ব স্বাস্থ্য সংস্থা (WHO)", "বিশ্ব স্বাস্থ্য সংস্থা (ডব্লিউ এইচ ও)"),
        ("UN", "ইউ এন"),
        ("BBC-র খবর", "বি বি সি-র খবর"),
        ("ICT খাত", "আই সি টি খাত"),
        ("NGOs", "এন জি ওস"),
        ("NASA", "নাসা"),  # said as a word
        ("MP3", "এম পি তিন"),
        ("4G", "চার জি"),
        ("PhD", "পি এইচ ডি"),  # no vowel to say: its letters
    ]
)
def test_latin_acronyms_by_bangla_letter_names(written: str, spoken: str) -> None:
    assert said(written) == normalize_unicode(spoken)


@check(
    [
        ("ডাঃ রহিম", "ডাক্তার রহিম"),
        ("মোঃ করিম", "মোহাম্মদ করিম"),
        ("মোসাঃ রহিমা", "মোসাম্মত রহিমা"),
        ("ডা. রহিম", "ডাক্তার রহিম"),
        ("মো. করিম", "মোহাম্মদ করিম"),
        ("বিঃদ্রঃ কাল", "বিশেষ দ্রষ্টব্য কাল"),
        ("দুঃখ", "দুঃখ"),  # a visarga inside a word is not an abbreviation
        ("২০২৩ ইং", "দুই হাজার তেইশ ইংরেজি"),
        ("ইংরেজি", "ইংরেজি"),
        ("Dr. Rahim", "ডক্টর রহিম"),
    ]
)
def test_abbreviations_with_a_dot_or_a_visarga(written: str, spoken: str) -> None:
    assert said(written) == normalize_unicode(spoken)


@check(
    [
        ("আমি computer চালাই", "আমি কম্পিউটার চালাই"),
        ("Dhaka University", "ঢাকা ইউনিভার্সিটি"),
        ("hello world", "হ্যালো ওয়ার্ল্ড"),
        ("music", "মিউজিক"),  # from the pronouncing dictionary
        ("Google's", "গুগলস"),
    ]
)
def test_english_words_in_bangla_script(written: str, spoken: str) -> None:
    assert said(written) == normalize_unicode(spoken)


@check(
    [
        ("test@example.com", "টেস্ট অ্যাট এক্সাম্পল ডট কম"),
        ("লিখুন info@kontho.com.bd।", "লিখুন ইনফো অ্যাট কন্থ ডট কম ডট বি ডি।"),
        ("www.example.com", "ডব্লিউ ডব্লিউ ডব্লিউ ডট এক্সাম্পল ডট কম"),
        ("https://example.org/news", "এক্সাম্পল ডট অর্গ স্ল্যাশ নিউজ"),
        ("দেখুন example.com, তারপর", "দেখুন এক্সাম্পল ডট কম, তারপর"),
    ]
)
def test_web_and_email_addresses(written: str, spoken: str) -> None:
    assert said(written) == normalize_unicode(spoken)


@check(
    [
        ("A & B", "এ অ্যান্ড বি"),  # between Latin words: অ্যান্ড
        ("Johnson & Johnson", "জন্সন অ্যান্ড জন্সন"),
        ("হরিণ ছুটে পালাল & থামল", "হরিণ ছুটে পালাল এবং থামল"),  # between Bangla words: এবং
        ("২+২=৪", "দুই যোগ দুই সমান চার"),
        ("এবং/অথবা", "এবং বা অথবা"),
        ("ঋষি ডাকলেন… কেউ নেই", "ঋষি ডাকলেন, কেউ নেই"),
        ("[আবার] {কেউ}", "(আবার) (কেউ)"),
    ]
)
def test_ampersand_and_other_symbols_are_read(written: str, spoken: str) -> None:
    assert said(written) == normalize_unicode(spoken)
