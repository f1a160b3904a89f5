"""Lossy encoding spread over a worker's cores: the programme in segments, each its own ffmpeg, joined
packet by packet into one file with no gap, click or repeated sample.

AAC runs at about 30× real time on one core and Opus at about 60×, far below what a GPU synthesizes, so
one encoder per book would leave the GPU waiting. The mastered samples are cut into segments of
``SEGMENT_SECONDS`` at codec frame boundaries; each segment's encoder also gets ``ROLL_FRAMES`` frames of
the audio before and after it, so that its encoder has settled (psychoacoustic model, rate control,
overlapping transforms) by the first frame that is kept and still sees what follows the last one. With
every segment starting on the frame grid, its packet *i* stands for the same stretch of the programme as
packet *start / frame + i* of one encoder running over the whole book: the join keeps each segment's own
frames, rewrites their timestamps onto that grid and writes them into one container. The first segment's
packets carry the codec's priming (MP4 edit list, Opus pre-skip, the LAME delay) and the last one's the
end trim, so the file decodes to exactly the programme's samples. MP3 is encoded without LAME's bit
reservoir, whose frames borrow bytes from the frames before them, which would belong to another segment
after a join.

The segments are encoded in the order they are filled and joined in that order as each finishes, by
``KONTHO_ENCODER_PROCESSES`` encoders at once; what waits is on local disk, not in memory. Segmenting
depends only on the programme, never on the number of encoders, so a job's audio is the same on a
worker with two cores as on one with thirty-two.
"""

from __future__ import annotations

import math
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import av
import structlog

from kontho.errors import EncodeFailed
from kontho.jobspec import AudioFormat
from worker.audio.encode import codec_args, pcm_encoder_args

log = structlog.get_logger(__name__)

SEGMENT_SECONDS = 300.0
"""Long enough that starting an encoder (about 60 ms) is lost in its work, short enough that the tail of
a book left when synthesis ends is spread over the cores."""
ROLL_FRAMES = 32
"""Frames each segment's encoder gets before and after its own: the first kept frame must not depend on
how the encoder started, and the last must have its look-ahead."""

_LIVENESS_SECONDS = 5.0
_CONTAINERS = {AudioFormat.MP3: "mp3", AudioFormat.M4B: "ipod", AudioFormat.OGG: "ogg"}


def frame_samples(fmt: AudioFormat, sample_rate: int) -> int | None:
    """Samples of the programme per codec frame, or None where the format is not encoded in segments.

    FLAC and WAV cost almost nothing to encode (one core keeps up with anything), so they are not split.
    """
    if fmt is AudioFormat.MP3:
        # MPEG-1 Layer III carries 1152 samples a frame; MPEG-2 and 2.5 (under 32 kHz) carry 576.
        return 1152 if sample_rate >= 32_000 else 576
    if fmt is AudioFormat.M4B:
        return 1024
    if fmt is AudioFormat.OGG and sample_rate % 50 == 0:
        # Opus frames are 20 ms at 48 kHz; a segment boundary must fall on one in both sample rates.
        return sample_rate // 50
    return None


def encoder_processes(configured: int, cgroup: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """``KONTHO_ENCODER_PROCESSES``, or (0) one per core this process may use: the container's CPU limit
    where it has one (a pod sees every core of its node, but may use only its quota), else its affinity."""
    if configured > 0:
        return configured
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = cgroup.read_text().split()[:2]
        if quota != "max":
            cores = min(cores, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass  # no cgroup v2 CPU limit to honour
    return max(1, cores)


@dataclass(frozen=True)
class _Segment:
    number: int
    first: int
    """Programme sample where this segment's encoder input starts (its own start less the roll)."""
    keep_from: int
    keep_until: int | None
    """Frames of the programme this segment contributes; None: to its end (the last segment)."""
    pcm: Path
    encoded: Path


class SegmentSink:
    """Takes mastered 16-bit mono samples in order; encodes and joins them into ``out_path``."""

    def __init__(
        self,
        out_path: Path,
        fmt: AudioFormat,
        sample_rate: int,
        frame: int,
        processes: int,
        mp3_bitrate: str,
        title: str | None,
    ) -> None:
        self._out_path = out_path
        self._fmt = fmt
        self._rate = sample_rate
        self._frame = frame
        self._length = max(1, round(SEGMENT_SECONDS * sample_rate / frame)) * frame
        self._roll = ROLL_FRAMES * frame
        self._codec = codec_args(fmt, mp3_bitrate)
        self._title = title
        self._folder = out_path.parent / f".{out_path.name}.segments"
        try:
            self._folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise EncodeFailed(f"no room for the encoder's segments beside {out_path}: {exc}") from exc
        self._written = 0
        self._open: dict[int, IO[bytes]] = {}
        self._pool = ThreadPoolExecutor(max_workers=processes, thread_name_prefix="segment-encoder")
        self._encoded: queue.Queue[Future[_Segment] | None] = queue.Queue()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._joiner = _Joiner(out_path, _CONTAINERS[fmt], title)
        self._join_failure: BaseException | None = None
        self._join_thread = threading.Thread(target=self._join, name="segment-joiner", daemon=True)
        self._join_thread.start()
        self._aborted = False

    def write(self, data: bytes) -> None:
        """The next mastered samples of the programme (16-bit little-endian mono)."""
        start, end = self._written, self._written + len(data) // 2
        # The segments whose encoder input overlaps [start, end): at most two, around a boundary. A
        # segment's file opens with its lead-in, before anything says the programme reaches it.
        numbers = range(max(0, (start - self._roll) // self._length), (end + self._roll) // self._length + 1)
        for number in numbers:
            lo, hi = self._input_span(number)
            if hi <= start or lo >= end:
                continue
            if number not in self._open:
                self._open[number] = self._pcm(number).open("wb")
            a, b = max(lo, start), min(hi, end)
            self._open[number].write(data[2 * (a - start) : 2 * (b - start)])
        self._written = end
        # A segment is complete once its lead-out is written, which also proves the next one exists.
        for number in sorted(self._open):
            if self._input_span(number)[1] <= end:
                self._dispatch(number, last=False)

    def finish(self, while_waiting: Callable[[], None] | None = None) -> None:
        """No more samples: encode what is left, then wait for every segment to be joined."""
        for number in sorted(self._open):
            if number * self._length >= self._written:
                # Only its lead-in was written: the programme ended before this segment began.
                self._open.pop(number).close()
                self._pcm(number).unlink()
            else:
                self._dispatch(number, last=(number + 1) * self._length >= self._written)
        self._encoded.put(None)
        while self._join_thread.is_alive():
            self._join_thread.join(timeout=_LIVENESS_SECONDS)
            if while_waiting is not None:
                while_waiting()
        self._pool.shutdown(wait=True)
        if self._join_failure is not None:
            raise self._join_failure
        self._cleanup()

    def abort(self) -> None:
        with self._lock:
            self._aborted = True
            for process in self._running:
                process.kill()
        for handle in self._open.values():
            handle.close()
        self._open.clear()
        self._encoded.put(None)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._join_thread.join(timeout=10)
        self._joiner.close()
        # Half a book is not a file anyone should find.
        self._out_path.unlink(missing_ok=True)
        self._cleanup()

    def _input_span(self, number: int) -> tuple[int, int]:
        start = number * self._length
        return max(0, start - self._roll), start + self._length + self._roll

    def _pcm(self, number: int) -> Path:
        return self._folder / f"{number:05d}.pcm"

    def _dispatch(self, number: int, last: bool) -> None:
        self._open.pop(number).close()
        start = number * self._length
        segment = _Segment(
            number=number,
            first=max(0, start - self._roll),
            keep_from=start // self._frame,
            keep_until=None if last else (start + self._length) // self._frame,
            pcm=self._pcm(number),
            encoded=self._folder / f"{number:05d}.{self._fmt.value}",
        )
        self._encoded.put(self._pool.submit(self._encode, segment))

    def _encode(self, segment: _Segment) -> _Segment:
        args = pcm_encoder_args(str(segment.pcm), self._rate, self._codec, self._title, segment.encoded)
        with self._lock:
            if self._aborted:
                raise EncodeFailed("the encode was abandoned")
            process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            self._running.add(process)
        try:
            _, stderr = process.communicate()
        finally:
            with self._lock:
                self._running.discard(process)
            segment.pcm.unlink(missing_ok=True)
        if process.returncode != 0:
            report = stderr.decode(errors="replace")[-500:]
            raise EncodeFailed(f"ffmpeg could not encode segment {segment.number}: {report}")
        return segment

    def _join(self) -> None:
        only: _Segment | None = None
        try:
            while (future := self._encoded.get()) is not None:
                segment = future.result()
                if segment.number == 0 and segment.keep_until is None:
                    only = segment  # one segment is the whole programme: it needs no join
                    continue
                self._joiner.add(segment, self._frame_in_stream(segment))
                segment.encoded.unlink(missing_ok=True)
            if only is not None:
                os.replace(only.encoded, self._out_path)
            else:
                self._joiner.close()
        except BaseException as exc:
            self._join_failure = (
                exc
                if isinstance(exc, EncodeFailed)
                else EncodeFailed(f"the encoded segments could not be joined: {exc}")
            )
            # Later segments are not wanted any more; let their futures finish or cancel.
            while (rest := self._encoded.get()) is not None:
                rest.cancel()

    def _frame_in_stream(self, segment: _Segment) -> int:
        return segment.first // self._frame

    def _cleanup(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)


class _Joiner:
    """Writes the kept packets of each segment, in order, into one container, on one frame grid."""

    def __init__(self, out_path: Path, container: str, title: str | None) -> None:
        self._out_path = out_path
        self._container = container
        self._title = title
        self._output: tuple[av.container.OutputContainer, av.audio.stream.AudioStream] | None = None
        self._origin = 0
        self._step = 0
        self._next = 0

    def add(self, segment: _Segment, first_frame: int) -> None:
        with av.open(str(segment.encoded)) as source:
            stream = source.streams.audio[0]
            packets = (packet for packet in source.demux(stream) if packet.size)
            for index, packet in enumerate(packets):
                frame = first_frame + index
                if frame < segment.keep_from:
                    continue
                if segment.keep_until is not None and frame >= segment.keep_until:
                    break
                if frame != self._next:
                    raise EncodeFailed(f"segment {segment.number} starts at frame {frame}, not {self._next}")
                output, joined = self._output or self._start(stream, packet)
                packet.pts = packet.dts = self._origin + frame * self._step
                packet.stream = joined
                output.mux(packet)
                self._next = frame + 1
        if segment.keep_until is not None and self._next != segment.keep_until:
            raise EncodeFailed(f"segment {segment.number} ended at frame {self._next}, short of its end")

    def close(self) -> None:
        output, self._output = self._output, None
        if output is not None:
            output[0].close()

    def _start(
        self,
        template: av.audio.stream.AudioStream,
        first: av.Packet[av.audio.stream.AudioStream],
    ) -> tuple[av.container.OutputContainer, av.audio.stream.AudioStream]:
        if first.pts is None or not first.duration:
            raise EncodeFailed("the first encoded segment has no timestamps to join on")
        # The first packet sits where the codec's priming puts it (before zero for AAC and Opus).
        self._origin, self._step = first.pts, first.duration
        output = av.open(str(self._out_path), "w", format=self._container)
        stream = output.add_stream_from_template(template)
        if self._title:
            output.metadata["title"] = self._title
        output.metadata["language"] = "ben"
        self._output = (output, stream)
        return self._output
