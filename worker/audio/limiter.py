"""The programme's gain and a look-ahead peak limiter, applied to the samples on their way to the encoder.

Done here rather than in ffmpeg's filter graph because the encoder is then left with nothing but its codec:
ffmpeg's ``volume`` and ``alimiter`` cost as much CPU as a FLAC encode, and the limiter touches almost no
audio (speech at its loudness target rarely reaches the ceiling). Each block is checked first: one with
no sample over the ceiling, and none within the limiter's reach before it, is only scaled. Where there are
peaks the limiter is vectorized and has no feedback: the gain each sample needs is held for ``HOLD`` after
a peak and starts ``LOOKAHEAD`` before it (a running minimum), then smoothed by a moving average no wider
than the look-ahead, which can only lower the gain at a peak, so no sample leaves above the ceiling.
Because nothing depends on where a block starts, the output is the same sample for sample however the
audio is cut into blocks, and a chapter cut at a pause is limited exactly as it is inside the whole book.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from worker.engines.base import Audio

LOOKAHEAD_SECONDS = 0.005
HOLD_SECONDS = 0.05


@dataclass(frozen=True)
class Gain:
    """What mastering does to a programme: a gain, then a ceiling no sample may exceed."""

    gain_db: float
    ceiling: float
    """Of full scale (1.0 is 32768 in 16-bit)."""

    def describe(self) -> str:
        return f"gain {self.gain_db:+.2f} dB, ceiling {20 * np.log10(self.ceiling):.2f} dBFS"


class PeakLimiter:
    """Streams 16-bit samples through ``gain``; output lags input by at most twice the look-ahead."""

    def __init__(self, gain: Gain, sample_rate: int) -> None:
        self._scale = np.float32(10 ** (gain.gain_db / 20))
        self._ceiling = np.float32(gain.ceiling * 32768.0)
        self._ahead = max(1, round(LOOKAHEAD_SECONDS * sample_rate))
        self._hold = max(self._ahead, round(HOLD_SECONDS * sample_rate))
        self._smooth = self._ahead  # half-width of the moving average: at most the look-ahead
        self._history = self._hold + self._smooth
        # Required gain of the samples before the pending ones (1: nothing to limit) and of those pending.
        self._needed = np.ones(self._history, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)

    def process(self, audio: Audio) -> Audio:
        """``audio`` in; out, what is final (the last few milliseconds wait for what follows)."""
        scaled = audio.astype(np.float32) * self._scale
        self._pending = np.concatenate([self._pending, scaled])
        magnitude = np.abs(scaled)
        if magnitude.size and float(magnitude.max()) > self._ceiling:
            needed = np.minimum(np.float32(1.0), self._ceiling / np.maximum(magnitude, np.float32(1e-9)))
        else:
            needed = np.ones(scaled.size, dtype=np.float32)
        self._needed = np.concatenate([self._needed, needed])
        return self._emit(max(0, self._pending.size - 2 * self._ahead))

    def flush(self) -> Audio:
        """The rest: what follows the programme is silence, which needs no limiting."""
        return self._emit(self._pending.size)

    def _emit(self, count: int) -> Audio:
        pending, needed = self._pending, self._needed
        out = pending[:count]
        if count and float(needed.min()) < 1.0:
            out = out * self._gains(needed, count)
        self._pending = pending[count:]
        self._needed = needed[count:]
        return np.clip(np.rint(out), -32768, 32767).astype(np.int16)

    def _gains(self, needed: np.ndarray, count: int) -> np.ndarray:
        """The gain of the next ``count`` pending samples. Only the stretches around peaks are filtered:
        the filters cost ten times the rest, and speech reaches the ceiling in short bursts."""
        size = self._hold + self._ahead + 1
        width = 2 * self._smooth + 1
        reach = size + width  # how far a peak's gain reduction spreads, either way, with room to spare
        gains = np.ones(count, dtype=np.float32)
        low = np.flatnonzero(needed < 1.0)
        # Runs of peaks closer than twice the reach are filtered together.
        breaks = np.flatnonzero(np.diff(low) > 2 * reach) + 1
        for run in np.split(low, breaks):
            start, stop = max(0, run[0] - reach), min(needed.size, run[-1] + reach + 1)
            # With ``reach`` of margin the filters see what they would see over the whole array.
            lo, hi = max(0, start - reach), min(needed.size, stop + reach)
            part = needed[lo:hi]
            held = minimum_filter1d(part, size, origin=self._hold - size // 2, mode="constant", cval=1.0)
            smoothed = uniform_filter1d(held, width, mode="nearest")[start - lo : stop - lo]
            # Pending sample i is needed[history + i].
            a, b = max(start, self._history), min(stop, self._history + count)
            if a < b:
                gains[a - self._history : b - self._history] = smoothed[a - start : b - start]
        return gains
