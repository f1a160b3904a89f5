"""The parts of the XTTS engine that need no model: text limits, tokenizer, precision, sampling, keys."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from pydantic import ValidationError

from devstack.xtts_models import build_vocab
from kontho import keys
from kontho.errors import ModelLoadFailed
from kontho.voices import Voice, VoiceParams
from worker.engines import chunk_limit, xtts_text
from worker.engines.xtts import chunk_seed, half_precision, sampling
from worker.engines.xtts_conditioning import reference_digest

SENTENCES = ["এক নিবিড় অরণ্য ছিল।", "তাতে ছিল বড় বড় বট, সারি সারি তাল তমাল, পাহাড় পর্বত।", "আর ছিল ছোট নদী মালিনী।"]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> object:
    vocab = build_vocab(tmp_path_factory.mktemp("vocab") / "vocab.json", ("bn", "en"))
    return xtts_text.bangla_capable(str(vocab))


def test_bangla_reaches_the_tokenizer_as_written(tokenizer: object) -> None:
    ids = tokenizer.encode("আমার সোনার  বাংলা।", "bn")  # type: ignore[attr-defined]
    text = tokenizer.decode(ids)  # type: ignore[attr-defined]
    assert text == "[bn]আমার সোনার বাংলা।"
    assert tokenizer.tokenizer.token_to_id("[UNK]") not in ids  # type: ignore[attr-defined]


def test_languages_limits_and_vocabulary_come_from_the_tokenizer(tokenizer: object) -> None:
    assert xtts_text.languages(tokenizer) == ["bn", "en"]
    assert xtts_text.char_limit(tokenizer, "bn") == 150
    assert xtts_text.char_limit(tokenizer, "en") == 250
    assert {"ক", "া", "।", " "} <= xtts_text.vocabulary(tokenizer)
    xtts_text.check_language(tokenizer, "bn")
    with pytest.raises(ModelLoadFailed, match=r"no \[hi\] token .* reads bn, en"):
        xtts_text.check_language(tokenizer, "hi")


@pytest.mark.parametrize("limit", [20, 40, 150])
def test_text_is_split_under_the_limit_at_sentences_clauses_then_words(limit: int) -> None:
    text = " ".join(SENTENCES)
    pieces = xtts_text.split_for_limit(text, limit)
    assert all(0 < len(piece) <= limit for piece in pieces)
    assert " ".join(pieces) == text
    if limit == 40:
        assert pieces[0] == SENTENCES[0]  # a whole sentence where one fits


def test_a_run_without_spaces_is_cut_between_letters_only() -> None:
    run = "ক্ষ" * 30 + "কি" * 30
    pieces = xtts_text.split_for_limit(run, 20)
    assert "".join(pieces) == run
    for piece in pieces:
        assert len(piece) <= 20
        assert not piece.startswith(("\u09cd", "ি"))
        assert not piece.endswith("\u09cd")


def test_a_job_chunks_no_longer_than_its_strictest_engine_reads() -> None:
    xtts_like = SimpleNamespace(max_chunk_chars=150)
    espeak_like = SimpleNamespace()
    assert chunk_limit(400, [espeak_like, xtts_like]) == 150
    assert chunk_limit(100, [xtts_like]) == 100
    assert chunk_limit(400, [espeak_like]) == 400


def test_half_precision_is_for_gpus_only(monkeypatch: pytest.MonkeyPatch) -> None:
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert half_precision("fp16", cpu) is None
    assert half_precision("bf16", cpu) is None
    assert half_precision("fp32", cuda) is None
    assert half_precision("fp16", cuda) is torch.float16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert half_precision("bf16", cuda) is torch.bfloat16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert half_precision("bf16", cuda) is torch.float16


def test_sampling_takes_the_voices_values_and_the_checkpoints_for_the_rest() -> None:
    config = {
        "temperature": 0.75,
        "top_k": 50,
        "top_p": 0.85,
        "repetition_penalty": 5.0,
        "length_penalty": 1.0,
    }
    voice = Voice(
        id="bn-x",
        engine="xtts",
        model="/m",
        references=("/c.wav",),
        params=VoiceParams(temperature=0.5, top_k=0),
    )
    assert sampling(voice, config) == {**config, "temperature": 0.5, "top_k": 0}


def test_xtts_voices_need_references_and_bounded_sampling() -> None:
    with pytest.raises(ValidationError, match="at least one clip"):
        Voice(id="bn-x", engine="xtts", model="/m")
    with pytest.raises(ValidationError, match="s3://bucket/key"):
        Voice(id="bn-x", engine="xtts", model="/m", references=("s3://",))
    for bad in ({"temperature": 0}, {"top_p": 1.5}, {"repetition_penalty": 0.5}, {"top_k": -1}):
        with pytest.raises(ValidationError):
            VoiceParams.model_validate(bad)


def test_seeds_and_digests_follow_text_checkpoint_clips_and_settings() -> None:
    assert chunk_seed("voice-a", SENTENCES[0]) == chunk_seed("voice-a", SENTENCES[0])
    assert chunk_seed("voice-a", SENTENCES[0]) != chunk_seed("voice-b", SENTENCES[0])
    assert chunk_seed("voice-a", SENTENCES[0]) != chunk_seed("voice-a", SENTENCES[1])
    settings = {"gpt_cond_len": 12, "gpt_cond_chunk_len": 4, "max_ref_len": 10, "sound_norm_refs": False}
    base = reference_digest("xtts|a", settings, [b"clip-1"])
    assert base == reference_digest("xtts|a", dict(reversed(settings.items())), [b"clip-1"])
    assert base != reference_digest("xtts|b", settings, [b"clip-1"])
    assert base != reference_digest("xtts|a", {**settings, "gpt_cond_len": 6}, [b"clip-1"])
    assert base != reference_digest("xtts|a", settings, [b"clip-1", b"clip-2"])
    assert reference_digest("x", settings, [b"ab", b"c"]) != reference_digest("x", settings, [b"a", b"bc"])
    assert keys.xtts_conditioning(base) == f"xtts-conditioning/{base}.pt"
    with pytest.raises(ValueError, match="SHA-256"):
        keys.xtts_conditioning("../../tenants/x")


def test_the_tiny_checkpoint_folder_is_in_coquis_layout(tmp_path: Path) -> None:
    from devstack.xtts_models import build_xtts
    from worker.engines.xtts_registry import checkpoint_fingerprint, find_xtts_files

    folder = build_xtts(tmp_path / "tiny", tiny=True)
    assert [p.name for p in find_xtts_files(folder)] == ["config.json", "model.pth", "vocab.json"]
    state = torch.load(folder / "model.pth", weights_only=True)["model"]
    assert any(k.startswith("gpt.gpt.h.0.") for k in state)
    assert not any(k.startswith("gpt.gpt.h.1.") for k in state)
    before = checkpoint_fingerprint(folder)
    (folder / "vocab.json").write_text((folder / "vocab.json").read_text().replace("[bn]", "[xx]"))
    assert checkpoint_fingerprint(folder) != before
