"""Random-weight Bangla VITS models, built with Coqui's own classes and saved in Coqui's format.

They exercise the real loading and synthesis path without downloading anything: the tests use a tiny
one, the benchmark a full-size one (same compute as a trained model of that size).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

BANGLA_GRAPHEMES = (
    "".join(chr(c) for c in range(0x0981, 0x09FB) if chr(c).isprintable() and not 0x09E6 <= c <= 0x09EF)
    + "\u09dc\u09dd\u09df"
)
PUNCTUATION = "!'(),-.:;? ।—"
# A few IPA symbols for Bangla sounds, so that a phoneme model also reads phoneme strings written in IPA.
IPA_SYMBOLS = "abdeghijklmnoprstuæɔɖɛɟɡɦɪʃʈʊʒʰʱː\u0303\u032f"

TINY_ARGS: dict[str, Any] = {
    "hidden_channels": 16,
    "hidden_channels_ffn_text_encoder": 32,
    "num_heads_text_encoder": 2,
    "num_layers_text_encoder": 1,
    "kernel_size_text_encoder": 3,
    "num_layers_posterior_encoder": 2,
    "num_layers_flow": 1,
    "resblock_type_decoder": "2",
    "resblock_kernel_sizes_decoder": [3],
    "resblock_dilation_sizes_decoder": [[1, 3]],
    "upsample_rates_decoder": [8, 8, 4],
    "upsample_initial_channel_decoder": 16,
    "upsample_kernel_sizes_decoder": [16, 16, 8],
}


def build_vits(
    folder: Path,
    *,
    tiny: bool = True,
    use_sdp: bool = True,
    seed: int = 0,
    phonemes: bool = False,
    speakers: Sequence[str] = (),
) -> Path:
    """Write ``config.json`` and ``model.pth`` for a Bangla VITS at 22,050 Hz into ``folder``.

    ``tiny=False`` keeps Coqui's default (full-size) architecture. ``phonemes=True`` makes a model that
    reads phonemes, as Coqui's Bangla voices do: its text goes through Coqui's ``bn_phonemizer``, whose
    output is normalised Bangla script, so the model's symbols are Bangla letters and punctuation, plus
    a few IPA symbols for phoneme strings written in IPA.

    ``speakers`` makes a multi-speaker model with a speaker embedding, saved as Coqui's trainer saves one:
    the names and their ids in ``speakers.pth`` beside the checkpoint, and the config naming that file by
    its absolute path (``speakers_file``, at the top and in ``model_args``).
    """
    from TTS.config.shared_configs import BaseAudioConfig
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs
    from TTS.tts.utils.speakers import SpeakerManager

    folder.mkdir(parents=True, exist_ok=True)
    speaker_args: dict[str, Any] = {}
    if speakers:
        manager = SpeakerManager()
        manager.name_to_id = {name: i for i, name in enumerate(speakers)}
        speakers_file = str((folder / "speakers.pth").resolve())
        manager.save_ids_to_file(speakers_file)
        speaker_args = {
            "use_speaker_embedding": True,
            "speakers_file": speakers_file,
            "speaker_embedding_channels": 16 if tiny else 256,
        }
    torch.manual_seed(seed)
    config = VitsConfig(
        model_args=VitsArgs(
            **(TINY_ARGS if tiny else {}), **speaker_args, use_sdp=use_sdp, init_discriminator=False
        ),
        audio=BaseAudioConfig(sample_rate=22_050, hop_length=256, win_length=1024, fft_size=1024),
        characters=CharactersConfig(
            characters_class="TTS.tts.models.vits.VitsCharacters",
            pad="<PAD>",
            eos="<EOS>",
            bos="<BOS>",
            blank="<BLNK>",
            characters="" if phonemes else BANGLA_GRAPHEMES,
            phonemes=BANGLA_GRAPHEMES + IPA_SYMBOLS if phonemes else None,
            punctuations=PUNCTUATION,
            is_unique=True,
            is_sorted=True,
        ),
        use_phonemes=phonemes,
        phonemizer="bn_phonemizer" if phonemes else None,
        text_cleaner="multilingual_cleaners",
        add_blank=True,
        phoneme_language="bn",
        **speaker_args,
    )
    model = Vits(config)
    config.save_json(str(folder / "config.json"))
    torch.save({"model": model.state_dict(), "config": config.to_dict()}, folder / "model.pth")
    return folder


class FixedDurations(torch.nn.Module):
    """Stands in for a duration predictor: every token lasts ``frames`` frames.

    Random weights predict meaningless durations; a benchmark fixes them so that both contenders speak
    at the same, realistic rate.
    """

    def __init__(self, frames: int) -> None:
        super().__init__()
        # Just under the integer, so Coqui's ceil() lands on it.
        self.logw = math.log(frames - 0.01)

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor, **_: Any) -> torch.Tensor:
        return torch.full_like(x_mask, self.logw) * x_mask


def fix_speaking_rate(model: Any, frames_per_token: int) -> None:
    model.args.use_sdp = False
    model.duration_predictor = FixedDurations(frames_per_token)
