"""Reference clips for cloned-voice tests: speech-like noise bursts written as WAV, MP3 or FLAC, and their
upload through the API's presigned URL, as a client makes them."""

from __future__ import annotations

import io
import subprocess
import wave

import httpx
import numpy as np
from fastapi.testclient import TestClient

CONTENT_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg", "flac": "audio/flac"}


def speechlike(
    seconds: float, level: float = 0.3, rate: int = 44_100, channels: int = 2, seed: int = 0
) -> bytes:
    """A 16-bit WAV of syllable-long bursts (noise over a voiced hum) three times a second; ``level`` is
    the bursts' peak-ish amplitude (1.0 is full scale; above it the signal clips)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    bursts = (np.sin(2 * np.pi * 3 * t) > -0.2).astype(np.float64)
    signal = (rng.normal(0, level / 3, t.size) + 0.3 * level * np.sin(2 * np.pi * 180 * t)) * bursts
    samples = (np.clip(signal, -1, 1) * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.repeat(samples[:, None], channels, axis=1).tobytes())
    return out.getvalue()


def encoded(wav: bytes, codec: str) -> bytes:
    """``wav`` as MP3 or FLAC, by ffmpeg."""
    args = {"mp3": ["-f", "mp3", "-b:a", "128k"], "flac": ["-f", "flac"]}[codec]
    command = ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "wav", "-i", "pipe:0", *args, "pipe:1"]
    return subprocess.run(command, input=wav, capture_output=True, check=True, timeout=60).stdout


def upload(client: TestClient, data: bytes, content_type: str = "audio/wav") -> str:
    """Create an upload and PUT ``data`` to it; its id."""
    created = client.post("/v1/uploads", json={"content_type": content_type, "bytes": len(data)})
    assert created.status_code == 201, created.text
    body = created.json()
    put = httpx.put(body["url"], content=data, headers=body["headers"])
    assert put.status_code == 200, put.text
    return str(body["id"])


def consent(
    statement: str = "Rina Akter agreed in writing on 2 March to have her voice cloned.",
) -> dict[str, object]:
    return {"speaker_consented": True, "statement": statement}
