"""A tiny Bangla VITS built with Coqui's own classes and saved in Coqui's format.

Random weights, a Bangla grapheme set, 22,050 Hz: exactly what a production model looks like on disk,
small enough to load and run in a test in well under a second.
"""

from __future__ import annotations

from pathlib import Path

import torch

BANGLA_GRAPHEMES = (
    "".join(chr(c) for c in range(0x0985, 0x09FB) if chr(c).isprintable() and not (0x09E6 <= c <= 0x09EF))
    + "\u09dc\u09dd\u09df"
)
PUNCTUATION = "!'(),-.:;? ।—"


def build_tiny_vits(folder: Path, *, use_sdp: bool = True, seed: int = 0) -> Path:
    from TTS.config.shared_configs import BaseAudioConfig
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs

    torch.manual_seed(seed)
    config = VitsConfig(
        model_args=VitsArgs(
            hidden_channels=16,
            hidden_channels_ffn_text_encoder=32,
            num_heads_text_encoder=2,
            num_layers_text_encoder=1,
            kernel_size_text_encoder=3,
            num_layers_posterior_encoder=2,
            num_layers_flow=1,
            resblock_type_decoder="2",
            resblock_kernel_sizes_decoder=[3],
            resblock_dilation_sizes_decoder=[[1, 3]],
            upsample_rates_decoder=[8, 8, 4],
            upsample_initial_channel_decoder=16,
            upsample_kernel_sizes_decoder=[16, 16, 8],
            use_sdp=use_sdp,
            init_discriminator=False,
        ),
        audio=BaseAudioConfig(sample_rate=22_050, hop_length=256, win_length=1024, fft_size=1024),
        characters=CharactersConfig(
            characters_class="TTS.tts.models.vits.VitsCharacters",
            pad="<PAD>",
            eos="<EOS>",
            bos="<BOS>",
            blank="<BLNK>",
            characters=BANGLA_GRAPHEMES,
            punctuations=PUNCTUATION,
            is_unique=True,
            is_sorted=True,
        ),
        use_phonemes=False,
        text_cleaner="multilingual_cleaners",
        add_blank=True,
        phoneme_language="bn",
    )
    model = Vits(config)
    folder.mkdir(parents=True, exist_ok=True)
    config.save_json(str(folder / "config.json"))
    torch.save({"model": model.state_dict(), "config": config.to_dict()}, folder / "model.pth")
    return folder
