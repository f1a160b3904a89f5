from __future__ import annotations

import numpy as np

from worker.chunk_cache import chunk_digest, decode_wav, encode_wav


def test_digest_names_everything_that_decides_the_audio() -> None:
    base = chunk_digest("espeak-ng|1.51|bn|175", '{"length_scale":1.0}', "নদী বয়ে চলে।")
    assert base == chunk_digest("espeak-ng|1.51|bn|175", '{"length_scale":1.0}', "নদী বয়ে চলে।")
    assert base != chunk_digest("espeak-ng|1.52|bn|175", '{"length_scale":1.0}', "নদী বয়ে চলে।")
    assert base != chunk_digest("espeak-ng|1.51|bn|175", '{"length_scale":1.1}', "নদী বয়ে চলে।")
    assert base != chunk_digest("espeak-ng|1.51|bn|175", '{"length_scale":1.0}', "নদী বয়ে চলে!")
    assert base.isalnum()


def test_chunk_audio_round_trips_exactly() -> None:
    audio = (np.sin(np.arange(5000) / 3) * 12_000).astype(np.int16)
    decoded, rate = decode_wav(encode_wav(audio, 22_050))
    assert rate == 22_050
    assert np.array_equal(decoded, audio)
