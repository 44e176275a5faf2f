#!/usr/bin/python3
"""Crowdmesh sync analyser: how well rooms are aligned, measured from what each
room's (virtual) sound card actually played.

Usage:
  sync_analyser.py --window 0.5 --json OUT.json [--start-after SECONDS]
                   [--max-lag-ms 20] [--min-level-db -60] [--min-corr 0.5]
                   [--assert-p99-us X] [--assert-max-us Y]
                   room-a.wav room-a.truth room-b.wav room-b.truth ...

Inputs, per room (a pair of files, in this order):
  * a recording: WAV (32-bit float, or 16/24/32-bit PCM, any channel count;
    channels are averaged) of exactly what the device played: WAV frame i is
    device frame i, silence included;
  * its truth log (text): a header `# crowdmesh truth log v1 rate_hz=48000
    skew_ppm=100.0 node=room-a` (key=value pairs; unknown keys are ignored;
    node= names the room, else the WAV's file name does), then lines
    `DEVICE_FRAME RAW_NS`: device frame DEVICE_FRAME reached the DAC at true
    host time RAW_NS (CLOCK_MONOTONIC_RAW, ns, shared by every node of the
    machine). Frames between two lines lie on the straight line through them;
    before the first / after the last line the first / last segment's slope is
    extrapolated. A discontinuity (the device resynchronised after a stall) is
    written as the same DEVICE_FRAME twice (end of the old segment, start of the
    new one, as actors/device/truth_log.hpp does); a segment whose rate is off
    nominal by more than --max-segment-ppm (default 2000; real cards are within
    +-300 ppm) is treated as a discontinuity too. Blank lines and further lines
    starting with '#' are ignored.

Method:
  1. Each recording is placed on the true timeline with its truth log
     (frame -> true time, so a card running off its nominal rate is handled).
  2. The span all recordings cover is cut into successive windows of --window
     seconds (starting --start-after seconds after the latest recording start).
     For every window each room is resampled onto one uniform true-time grid
     (the lowest nominal rate of the rooms) by band-limited interpolation: a
     Kaiser-windowed sinc (32 taps, beta 8, cut-off 0.9 x Nyquist; a 2048-phase
     table, so a position is rounded to 1/4096 sample = 5 ns at 48 kHz; the
     kernel's own delay error is < 1 ns up to 20 kHz). The grid extends
     --max-lag-ms beyond the window on both sides.
  3. For every pair (a, b), room a's window is cross-correlated (FFT) with room
     b's extended window ('valid' correlation: full overlap at every lag up to
     +-max lag); the integer peak, refined by a parabola, seeds Newton's method
     on the normalised least-squares match between a and b shifted by tau
     (rho(tau) = sum w a b_tau / sqrt(sum w b_tau^2); b_tau by an exact FFT
     fractional shift, analytic derivatives, w a 10 % Tukey taper). Unlike the
     peak of a (parabolic, upsampled or Fourier-interpolated) correlation,
     which window edges bias by up to several microseconds on bass-heavy
     music, rho is exactly maximal at the true offset, whatever the content and
     the rooms' gains. Accuracy on synthetic music and on a decoded mp3: a few
     ns (the self-test asserts 2 us).
  Windows are skipped, and counted per pair, when:
     quiet          either room's level in the window is below --min-level-db
                    (RMS dBFS, default -60) -- silence included;
     weak           the normalised correlation peak is below --min-corr (0.5);
     ambiguous      another correlation peak reaches 90 % of the main one
                    (periodic content: the delay is not unique);
     out_of_range   the peak lies on the +-max lag boundary;
     discontinuity  a room has no continuous content over the window (a truth
                    log discontinuity, i.e. a stall, falls into it).

Sign convention: offset(a, b) > 0 means room b plays the same sound LATER than
room a (by offset microseconds).

Output: --json OUT.json with, per pair: windows (number measured), p50_abs_us,
p99_abs_us, max_abs_us (of |offset|), mean_us (signed), offsets [[window true
start s, offset us], ...] (start time in seconds since the latest recording
start, whose raw time is origin_raw_ns), skipped counts; plus the worst pair's
p99 and max. One summary line per pair on stdout, e.g.
  room-a~room-b: p50 3.1 us p99 12.4 us max 20.2 us over 240 windows (...)

Exit status: 0 success; 1 an --assert-p99-us / --assert-max-us limit was
exceeded (or a pair had no measurable window while asserting); 2 bad input
(missing or unreadable file, malformed truth log line -- file and line are
named -- or recordings that share no time span).

Dependencies: python3-numpy, python3-scipy (deploy/install-deps.sh).
"""

import argparse
import bisect
import json
import math
import os
import struct
import sys

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft as sfft

EXIT_OK = 0
EXIT_ASSERT = 1
EXIT_BAD_INPUT = 2

# Band-limited interpolation kernel (see the docstring).
KERNEL_HALF_TAPS = 16
KERNEL_BETA = 8.0
KERNEL_CUTOFF = 0.9
KERNEL_PHASES = 2048
# A second correlation peak this close to the main one makes the delay ambiguous.
AMBIGUOUS_RATIO = 0.9


class BadInput(Exception):
    """Bad input: the message names the file (and line)."""


# ---------------------------------------------------------------- inputs

def read_wav(path):
    """Returns (rate_hz, mono float32 samples). Raises BadInput."""
    try:
        f = open(path, "rb")
    except OSError as e:
        raise BadInput(f"{path}: cannot open the recording: {e.strerror}")
    with f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(12)
        if len(head) < 12 or head[0:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            raise BadInput(f"{path}: not a WAV file (no RIFF/WAVE header)")
        fmt = None
        data = None
        pos = 12
        while pos + 8 <= size:
            f.seek(pos)
            chunk = f.read(8)
            cid = chunk[0:4]
            csize = struct.unpack("<I", chunk[4:8])[0]
            if cid == b"fmt ":
                body = f.read(min(csize, 40))
                if len(body) < 16:
                    raise BadInput(f"{path}: unreadable WAV: truncated fmt chunk")
                tag, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", body[:16])
                if tag == 0xFFFE and len(body) >= 26:
                    tag = struct.unpack("<H", body[24:26])[0]  # the sub-format GUID's first field
                fmt = (tag, channels, rate, block_align, bits)
            elif cid == b"data":
                avail = size - (pos + 8)
                if csize in (0, 0xFFFFFFFF) or csize > avail:
                    # Not finalised (the writer was stopped early) or RF64: read what is there.
                    if avail > 0 and csize != avail:
                        print(f"sync_analyser: warning: {path}: data chunk size {csize} for {avail} bytes "
                              "(recording not closed?): reading the frames present", file=sys.stderr)
                    data = (pos + 8, avail)
                    break
                data = (pos + 8, csize)
            pos += 8 + csize + (csize & 1)
        if fmt is None:
            raise BadInput(f"{path}: unreadable WAV: no fmt chunk")
        if data is None:
            raise BadInput(f"{path}: unreadable WAV: no data chunk")
        tag, channels, rate, block_align, bits = fmt
        if channels < 1 or rate < 1:
            raise BadInput(f"{path}: unreadable WAV: {channels} channels at {rate} Hz")
        kinds = {(3, 32): "<f4", (3, 64): "<f8", (1, 16): "<i2", (1, 32): "<i4", (1, 24): "24", (1, 8): "u1"}
        kind = kinds.get((tag, bits))
        if kind is None:
            raise BadInput(f"{path}: unsupported WAV sample format (format tag {tag}, {bits} bits)")
        width = bits // 8
        if block_align != width * channels:
            raise BadInput(f"{path}: unreadable WAV: block align {block_align} for {channels} x {bits} bits")
        frames = data[1] // block_align
        if frames == 0:
            raise BadInput(f"{path}: the recording contains no frames")
        f.seek(data[0])
        raw = f.read(frames * block_align)
        if kind == "24":
            b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
            v = (b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16))
            v = np.where(v >= 1 << 23, v - (1 << 24), v).astype(np.float32) / float(1 << 23)
        else:
            v = np.frombuffer(raw, dtype=np.dtype(kind))
            if kind == "<i2":
                v = v.astype(np.float32) / 32768.0
            elif kind == "<i4":
                v = v.astype(np.float32) / float(1 << 31)
            elif kind == "u1":
                v = (v.astype(np.float32) - 128.0) / 128.0
        v = v.reshape(frames, channels)
        mono = v[:, 0].astype(np.float32) if channels == 1 else v.mean(axis=1, dtype=np.float64).astype(np.float32)
        if not np.all(np.isfinite(mono)):
            raise BadInput(f"{path}: the recording contains NaN or infinite samples")
        return rate, np.ascontiguousarray(mono)


def read_truth_log(path):
    """Returns (header dict, frames int64 array, raw_ns int64 array). Raises BadInput."""
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
    except OSError as e:
        raise BadInput(f"{path}: cannot open the truth log: {e.strerror}")
    if not lines:
        raise BadInput(f"{path}:1: empty truth log (expected the header '# crowdmesh truth log v1 ...')")
    words = lines[0].split()
    if words[:4] != ["#", "crowdmesh", "truth", "log"] or len(words) < 5 or words[4] != "v1":
        raise BadInput(f"{path}:1: not a crowdmesh truth log v1 header: {lines[0].strip()[:80]!r}")
    header = {}
    for w in words[5:]:
        if "=" in w:
            k, v = w.split("=", 1)
            header[k] = v
    if "rate_hz" in header:
        try:
            header["rate_hz"] = int(float(header["rate_hz"]))
            if header["rate_hz"] <= 0:
                raise ValueError
        except ValueError:
            raise BadInput(f"{path}:1: bad rate_hz={header['rate_hz']!r} in the header")
    frames = []
    times = []
    for number, line in enumerate(lines[1:], start=2):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        parts = s.split()
        try:
            if len(parts) != 2:
                raise ValueError
            fr = int(parts[0])
            ns = int(parts[1])
        except ValueError:
            raise BadInput(f"{path}:{number}: malformed line {s[:80]!r} (expected 'DEVICE_FRAME RAW_NS', two integers)")
        if fr < 0:
            raise BadInput(f"{path}:{number}: negative device frame {fr}")
        if frames:
            if fr < frames[-1]:
                raise BadInput(f"{path}:{number}: device frame {fr} goes back (previous line: {frames[-1]})")
            if ns <= times[-1]:
                raise BadInput(f"{path}:{number}: time {ns} ns does not advance (previous line: {times[-1]} ns)")
        frames.append(fr)
        times.append(ns)
    if not frames:
        raise BadInput(f"{path}: no 'DEVICE_FRAME RAW_NS' line after the header")
    return header, np.array(frames, dtype=np.int64), np.array(times, dtype=np.int64)


# ---------------------------------------------------------------- timeline

class Run:
    """A stretch of the recording whose frame -> true time mapping is continuous.

    t: knot times (s, relative to the analysis reference), f: knot frames;
    slope_lo / slope_hi: frames per second used before the first / after the
    last knot; t_lo / t_hi: the true-time span over which interpolation kernels
    read only frames of this run (and of the recording).
    """

    def __init__(self, t, f, slope_lo, slope_hi):
        self.t = np.asarray(t, dtype=np.float64)
        self.f = np.asarray(f, dtype=np.float64)
        self.slope_lo = slope_lo
        self.slope_hi = slope_hi
        self.t_lo = self.t_hi = None

    def frame_at(self, t):
        t = np.asarray(t, dtype=np.float64)
        out = np.interp(t, self.t, self.f)
        lo = t < self.t[0]
        hi = t > self.t[-1]
        if np.any(lo):
            out[lo] = self.f[0] + (t[lo] - self.t[0]) * self.slope_lo
        if np.any(hi):
            out[hi] = self.f[-1] + (t[hi] - self.t[-1]) * self.slope_hi
        return out

    def time_at(self, fr):
        if fr < self.f[0]:
            return self.t[0] + (fr - self.f[0]) / self.slope_lo
        if fr > self.f[-1]:
            return self.t[-1] + (fr - self.f[-1]) / self.slope_hi
        return float(np.interp(fr, self.f, self.t))


def build_runs(frames, raw_ns, ref_ns, nominal_hz, nframes, margin, max_segment_ppm):
    """Splits a truth log into continuous runs. Returns (runs, discontinuities, measured ppm)."""
    t = (raw_ns - ref_ns).astype(np.float64) * 1e-9
    f = frames.astype(np.float64)
    n = len(f)
    df = np.diff(f)
    dt = np.diff(t)
    rate = np.where(df > 0, df / np.where(dt > 0, dt, 1.0), 0.0)
    good = (df > 0) & (np.abs(rate / nominal_hz - 1.0) * 1e6 <= max_segment_ppm)
    discontinuities = int(np.count_nonzero(~good))
    measured_ppm = None
    if np.any(good):
        measured_ppm = float((df[good].sum() / dt[good].sum()) / nominal_hz - 1.0) * 1e6
    good_idx = np.flatnonzero(good)

    def nearest_good_slope(i):
        """Slope of the good segment nearest to knot i (nominal rate if none)."""
        if len(good_idx) == 0:
            return float(nominal_hz)
        k = np.searchsorted(good_idx, i)
        cands = [good_idx[c] for c in (k - 1, k) if 0 <= c < len(good_idx)]
        best = min(cands, key=lambda s: abs(s - i))
        return float(rate[best])

    # Knot ranges [a, b] connected by good segments.
    ranges = []
    a = 0
    for i in range(n - 1):
        if not good[i]:
            ranges.append((a, i))
            a = i + 1
    ranges.append((a, n - 1))
    runs = []
    for r, (a, b) in enumerate(ranges):
        if b > a:
            slope_lo, slope_hi = float(rate[a]), float(rate[b - 1])
        else:
            slope_lo = slope_hi = nearest_good_slope(a)
        run = Run(t[a:b + 1], f[a:b + 1], slope_lo, slope_hi)
        # Frames owned by this run: from its first knot (frame 0 for the first
        # run) to its last knot (the end of the recording for the last run).
        f_first = 0.0 if r == 0 else f[a]
        f_last = float(nframes - 1) if r == len(ranges) - 1 else f[b]
        f_first = max(f_first, 0.0)
        f_last = min(f_last, float(nframes - 1))
        lo = f_first + margin
        hi = f_last - margin
        if hi <= lo:
            continue
        run.t_lo = run.time_at(lo)
        run.t_hi = run.time_at(hi)
        runs.append(run)
    return runs, discontinuities, measured_ppm


class Room:
    def __init__(self, wav_path, truth_path):
        self.wav_path = wav_path
        self.truth_path = truth_path
        self.rate, self.x = read_wav(wav_path)
        self.header, self.log_frames, self.log_ns = read_truth_log(truth_path)
        hr = self.header.get("rate_hz")
        if hr is not None and hr != self.rate:
            raise BadInput(f"{truth_path}:1: rate_hz={hr} but {wav_path} is a {self.rate} Hz recording")
        self.nframes = len(self.x)
        self.name = self.header.get("node") or os.path.splitext(os.path.basename(wav_path))[0]
        self.runs = []
        self.run_starts = []

    def place(self, ref_ns, kernel, max_segment_ppm):
        self.kernel = kernel
        self.runs, self.discontinuities, self.measured_ppm = build_runs(
            self.log_frames, self.log_ns, ref_ns, self.rate, self.nframes, kernel.half + 1, max_segment_ppm)
        self.run_starts = [r.t_lo for r in self.runs]

    @property
    def start(self):
        return self.runs[0].t_lo if self.runs else math.inf

    @property
    def end(self):
        return self.runs[-1].t_hi if self.runs else -math.inf

    def run_covering(self, t0, t1):
        eps = 1e-9  # rounding of the window's times (run ends keep a frame of slack)
        k = bisect.bisect_right(self.run_starts, t0 + eps) - 1
        if k >= 0 and self.runs[k].t_hi >= t1 - eps:
            return self.runs[k]
        return None

    def resample(self, run, t):
        """The recording at true times t (s): band-limited interpolation."""
        return self.kernel.apply(self.x_padded, run.frame_at(t), self.pad)

    def prepare(self):
        self.pad = self.kernel.half + 2
        self.x_padded = np.concatenate([np.zeros(self.pad, np.float32), self.x, np.zeros(self.pad, np.float32)])


class Kernel:
    """Kaiser-windowed sinc interpolator with a polyphase table.

    scale = grid rate / source rate when the grid is slower (anti-aliasing),
    else 1. Output at fractional position p: sum_j x[n + j] h(p - n - j),
    n = floor(p), j = -half+1 .. half.
    """

    def __init__(self, scale=1.0):
        self.scale = scale
        self.half = int(math.ceil(KERNEL_HALF_TAPS / scale))
        j = np.arange(-self.half + 1, self.half + 1)
        u = np.arange(KERNEL_PHASES + 1) / KERNEL_PHASES
        x = u[:, None] - j[None, :]
        fc = KERNEL_CUTOFF * scale
        w = np.i0(KERNEL_BETA * np.sqrt(np.clip(1.0 - (x / self.half) ** 2, 0.0, None))) / np.i0(KERNEL_BETA)
        self.table = (fc * np.sinc(fc * x) * w).astype(np.float32)

    def apply(self, x_padded, pos, pad):
        n = np.floor(pos)
        q = np.rint((pos - n) * KERNEL_PHASES).astype(np.intp)
        start = n.astype(np.intp) - self.half + 1 + pad
        rows = sliding_window_view(x_padded, 2 * self.half)[start]
        return np.einsum("ij,ij->i", rows, self.table[q], dtype=np.float32)


# ---------------------------------------------------------------- delay

class Correlator:
    """Offset between two windows on the same true-time grid.

    Room a's window (n samples) is compared with room b's extended window
    (n + 2 lag_grid samples, the same grid reaching lag_grid samples further on
    both sides). Three stages:
      1. FFT cross-correlation ('valid': full overlap at every lag), integer
         peak within +-max_lag, gates (weak / out of range / ambiguous);
      2. a parabola through the peak and its neighbours: a first sub-sample
         estimate (biased by up to ~0.1 sample on music);
      3. Newton's method (analytic first and second derivatives) on the
         normalised least-squares match
         rho(tau) = sum w a b_tau / sqrt(sum w b_tau^2), b_tau being room b's
         content at lag tau by an exact band-limited (FFT) shift of the
         extended window and w a Tukey taper. A plain correlation peak, even
         band-limited-interpolated, is biased by the window's edges (content
         entering/leaving the window): by up to several microseconds on
         bass-heavy music. rho is exactly maximal at the true offset whatever
         the content and the rooms' gains (b_tau = g a there).
    """

    TAPER = 0.1    # Tukey taper: this fraction of the window is cosine-tapered
    MARGIN = 64    # samples of room b beyond the window kept for the exact shift

    def __init__(self, n, max_lag, min_corr):
        self.n = n
        self.max_lag = max_lag
        self.lag_grid = max_lag + self.MARGIN + 2
        self.min_corr = min_corr
        self.nfft = sfft.next_fast_len(n + 2 * self.lag_grid, real=True)
        self.nseg = sfft.next_fast_len(n + 2 * self.MARGIN, real=True)
        self.omega_seg = 2.0 * np.pi * np.arange(self.nseg // 2 + 1) / self.nseg
        k = int(round(self.TAPER * n / 2))
        w = np.ones(n)
        ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(k) + 0.5) / k)
        w[:k] = ramp
        w[n - k:] = ramp[::-1]
        self.taper = w

    def prepare(self, y):
        """Per room and window: what measure() needs of y, the extended window."""
        y = y.astype(np.float64)
        centre = y[self.lag_grid:self.lag_grid + self.n]
        return {
            "ext": y,
            "energy": float(np.dot(centre, centre)),
            "spec_centre": sfft.rfft(centre, self.nfft),
            "spec_ext": sfft.rfft(y, self.nfft),
            "cum": np.concatenate([[0.0], np.cumsum(y * y)]),
            "weighted_centre": centre * self.taper,
        }

    def measure(self, a, b):
        """Returns (status, lag in samples, normalised peak); status 'ok' or a skip reason."""
        cross = np.conj(a["spec_centre"]) * b["spec_ext"]
        r = sfft.irfft(cross, self.nfft)[: 2 * self.lag_grid + 1]
        lo = self.lag_grid - self.max_lag
        hi = self.lag_grid + self.max_lag
        # Normalised per lag (by the energy of b's window at that lag): the raw
        # correlation favours lags that move b's window onto louder content, so
        # across a sharp change of level (a track's start after its fade-out at
        # a loop seam) its peak can sit tens of ms off for identical signals.
        lags = np.arange(lo, hi + 1)
        energy_b = b["cum"][lags + self.n] - b["cum"][lags]
        ok = (energy_b > 0) & (a["energy"] > 0)
        seg = np.where(ok, r[lo:hi + 1] / np.sqrt(np.where(ok, a["energy"] * energy_b, 1.0)), 0.0)
        m = lo + int(np.argmax(seg))
        norm = float(seg[m - lo])
        if norm < self.min_corr:
            return "weak", None, norm
        if m == lo or m == hi:
            return "out_of_range", None, norm
        # Main lobe: the contiguous stretch above half the peak; any other
        # correlation value close to the peak makes the delay ambiguous.
        left = m
        while left > lo and seg[left - 1 - lo] > 0.5 * norm:
            left -= 1
        right = m
        while right < hi and seg[right + 1 - lo] > 0.5 * norm:
            right += 1
        outside = np.concatenate([seg[: max(left - lo - 1, 0)], seg[right - lo + 2:]])
        if len(outside) and outside.max() >= AMBIGUOUS_RATIO * norm:
            return "ambiguous", None, norm
        tau = self.least_squares(a["weighted_centre"], b["ext"], m, self.parabolic_peak(r, m) - m)
        return "ok", tau - self.lag_grid, norm

    @staticmethod
    def parabolic_peak(r, m):
        """First sub-sample estimate: the vertex of the parabola through r[m-1..m+1]."""
        y0, y1, y2 = r[m - 1], r[m], r[m + 1]
        den = y0 - 2.0 * y1 + y2
        return m + (min(max(0.5 * (y0 - y2) / den, -0.5), 0.5) if den < 0 else 0.0)

    def least_squares(self, wa, ext, m, delta):
        """Maximum of log rho(m + delta) by Newton's method (analytic derivatives)."""
        k = self.MARGIN
        seg = ext[m - k:m + self.n + k]
        spec = sfft.rfft(seg, self.nseg)
        iw = 1j * self.omega_seg
        taper = self.taper
        for _ in range(6):
            s = spec * np.exp(iw * delta)  # content at lag m + delta, circularly shifted
            b0 = sfft.irfft(s, self.nseg)[k:k + self.n]
            b1 = sfft.irfft(s * iw, self.nseg)[k:k + self.n]
            b2 = sfft.irfft(s * (iw * iw), self.nseg)[k:k + self.n]
            wb0 = taper * b0
            u, u1, u2 = np.dot(wa, b0), np.dot(wa, b1), np.dot(wa, b2)
            v = np.dot(wb0, b0)
            v1 = 2.0 * np.dot(wb0, b1)
            v2 = 2.0 * (np.dot(taper * b1, b1) + np.dot(wb0, b2))
            if u <= 0 or v <= 0:
                break
            g1 = u1 / u - 0.5 * v1 / v
            g2 = u2 / u - (u1 / u) ** 2 - 0.5 * (v2 / v - (v1 / v) ** 2)
            if g2 >= 0:
                break
            step = max(min(-g1 / g2, 0.25), -0.25)
            delta = min(max(delta + step, -1.5), 1.5)
            if abs(step) < 2e-5:
                break
        return m + delta


# ---------------------------------------------------------------- analysis

def percentile(values, q):
    return float(np.percentile(values, q)) if len(values) else None


def analyse(rooms, window_s, start_after_s, max_lag_ms, min_level_db, min_corr, max_segment_ppm):
    grid_hz = min(r.rate for r in rooms)
    ref_ns = int(min(int(r.log_ns[0]) for r in rooms))
    kernels = {}
    for r in rooms:
        scale = min(1.0, grid_hz / r.rate)
        if scale not in kernels:
            kernels[scale] = Kernel(scale)
        r.place(ref_ns, kernels[scale], max_segment_ppm)
        if not r.runs:
            raise BadInput(f"{r.truth_path}: no continuous stretch of {r.wav_path} can be placed on the timeline")
        r.prepare()
    origin = max(r.start for r in rooms)
    end = min(r.end for r in rooms)
    if end <= origin:
        raise BadInput("the recordings share no true-time span: " +
                       ", ".join(f"{r.name} ({r.wav_path}) covers {r.start:.3f}..{r.end:.3f} s" for r in rooms))
    n = int(round(window_s * grid_hz))
    max_lag = int(math.ceil(max_lag_ms * 1e-3 * grid_hz))
    corr = Correlator(n, max_lag, min_corr)
    lag_grid = corr.lag_grid
    step = n / grid_hz
    margin = lag_grid / grid_hz
    pairs = [(i, j) for i in range(len(rooms)) for j in range(i + 1, len(rooms))]
    results = {p: {"offsets": [], "peaks": [], "skipped": {"quiet": 0, "weak": 0, "ambiguous": 0,
                                                           "out_of_range": 0, "discontinuity": 0}}
               for p in pairs}
    grid = np.arange(n + 2 * lag_grid, dtype=np.float64) / grid_hz
    level_floor = 10.0 ** (min_level_db / 10.0)
    t0 = origin + start_after_s + margin
    windows_total = 0
    while t0 + step + margin <= end:
        windows_total += 1
        t = (t0 - margin) + grid
        per_room = []
        for r in rooms:
            run = r.run_covering(t[0], t[-1])
            if run is None:
                per_room.append(None)
                continue
            y = r.resample(run, t)
            prepared = corr.prepare(y)
            per_room.append((prepared["energy"] / n < level_floor, prepared))
        for (i, j) in pairs:
            res = results[(i, j)]
            a, b = per_room[i], per_room[j]
            if a is None or b is None:
                res["skipped"]["discontinuity"] += 1
                continue
            if a[0] or b[0]:
                res["skipped"]["quiet"] += 1
                continue
            status, lag, peak = corr.measure(a[1], b[1])
            if status != "ok":
                res["skipped"][status] += 1
                continue
            res["offsets"].append((t0 - origin, lag / grid_hz * 1e6))
            res["peaks"].append(peak)
        t0 += step
    return {
        "origin": origin, "end": end, "ref_ns": ref_ns, "grid_hz": grid_hz, "n": n, "max_lag": max_lag,
        "pairs": pairs, "results": results, "windows_total": windows_total,
    }


def report(rooms, out, args):
    origin_raw_ns = out["ref_ns"] + int(round(out["origin"] * 1e9))
    pairs_json = []
    lines = []
    for (i, j) in out["pairs"]:
        res = out["results"][(i, j)]
        offs = np.array([o for _, o in res["offsets"]], dtype=np.float64)
        absv = np.abs(offs)
        name = f"{rooms[i].name}~{rooms[j].name}"
        entry = {
            "pair": name, "a": rooms[i].name, "b": rooms[j].name,
            "windows": int(len(offs)),
            "windows_total": out["windows_total"],
            "p50_abs_us": percentile(absv, 50),
            "p99_abs_us": percentile(absv, 99),
            "max_abs_us": float(absv.max()) if len(absv) else None,
            "mean_us": float(offs.mean()) if len(offs) else None,
            "std_us": float(offs.std()) if len(offs) else None,
            "min_peak": float(min(res["peaks"])) if res["peaks"] else None,
            "skipped": dict(res["skipped"]),
            "offsets": [[round(t, 6), round(o, 4)] for t, o in res["offsets"]],
        }
        pairs_json.append(entry)
        sk = res["skipped"]
        skipped = (f"skipped {sk['quiet']} quiet, {sk['weak']} weak, {sk['ambiguous']} ambiguous, "
                   f"{sk['out_of_range']} out of range, {sk['discontinuity']} discontinuity")
        if len(offs):
            lines.append(f"{name}: p50 {entry['p50_abs_us']:.1f} us p99 {entry['p99_abs_us']:.1f} us "
                         f"max {entry['max_abs_us']:.1f} us over {len(offs)} windows "
                         f"(mean {entry['mean_us']:+.1f} us; {skipped})")
        else:
            lines.append(f"{name}: no measurable window out of {out['windows_total']} ({skipped})")
    measured = [p for p in pairs_json if p["windows"]]
    worst = {"p99_abs_us": None, "p99_pair": None, "max_abs_us": None, "max_pair": None}
    if measured:
        wp = max(measured, key=lambda p: p["p99_abs_us"])
        wm = max(measured, key=lambda p: p["max_abs_us"])
        worst = {"p99_abs_us": wp["p99_abs_us"], "p99_pair": wp["pair"],
                 "max_abs_us": wm["max_abs_us"], "max_pair": wm["pair"]}
    doc = {
        "tool": "crowdmesh sync_analyser", "version": 1,
        "sign_convention": "offset(a,b) > 0: room b plays the same sound later than room a",
        "method": ("truth-log placement; Kaiser-windowed sinc resampling (32 taps, 2048 phases) onto a common "
                   "true-time grid; FFT cross-correlation; sub-sample offset by Newton's method on the "
                   "normalised least-squares match (exact FFT fractional shift, Tukey-weighted)"),
        "window_s": args.window, "start_after_s": args.start_after, "max_lag_ms": args.max_lag_ms,
        "min_level_db": args.min_level_db, "min_corr": args.min_corr,
        "grid_rate_hz": out["grid_hz"], "origin_raw_ns": origin_raw_ns,
        "span_s": [0.0, out["end"] - out["origin"]],
        "windows_total": out["windows_total"],
        "rooms": [{
            "name": r.name, "wav": r.wav_path, "truth": r.truth_path, "rate_hz": r.rate, "frames": r.nframes,
            "measured_skew_ppm": r.measured_ppm, "header_skew_ppm": _float_or_none(r.header.get("skew_ppm")),
            "discontinuities": r.discontinuities, "runs": len(r.runs),
            "covers_s": [r.start - out["origin"], r.end - out["origin"]],
        } for r in rooms],
        "pairs": pairs_json,
        "worst": worst,
    }
    return doc, lines


def _float_or_none(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Measure multi-room alignment from recordings placed on the true timeline by truth logs. "
                    "Sign: offset(a,b) > 0 means room b plays the same sound later than room a.")
    p.add_argument("--window", type=float, default=0.5, help="analysis window, seconds (default 0.5)")
    p.add_argument("--json", required=True, metavar="OUT.json", help="write the full result here")
    p.add_argument("--start-after", type=float, default=0.0, metavar="SECONDS",
                   help="skip this many seconds after the latest recording start (default 0)")
    p.add_argument("--max-lag-ms", type=float, default=20.0, help="largest offset searched, ms (default 20)")
    p.add_argument("--min-level-db", type=float, default=-60.0,
                   help="skip windows where a room's RMS level is below this, dBFS (default -60)")
    p.add_argument("--min-corr", type=float, default=0.5,
                   help="skip windows whose normalised correlation peak is below this (default 0.5)")
    p.add_argument("--max-segment-ppm", type=float, default=2000.0,
                   help="a truth-log segment off nominal by more is a discontinuity (default 2000)")
    p.add_argument("--assert-p99-us", type=float, default=None, help="exit 1 if a pair's p99 |offset| exceeds this")
    p.add_argument("--assert-max-us", type=float, default=None, help="exit 1 if a pair's max |offset| exceeds this")
    p.add_argument("files", nargs="+", metavar="ROOM.wav ROOM.truth",
                   help="a recording and its truth log, for every room (at least two rooms)")
    args = p.parse_args(argv)
    if len(args.files) % 2 != 0:
        p.error("files come in pairs: ROOM.wav ROOM.truth (got an odd number)")
    if len(args.files) < 4:
        p.error("need at least two rooms (ROOM.wav ROOM.truth twice)")
    if not args.window > 0 or not args.max_lag_ms > 0 or args.start_after < 0:
        p.error("--window and --max-lag-ms must be positive, --start-after not negative")
    if args.max_lag_ms * 1e-3 * 2 >= args.window:
        p.error("--max-lag-ms must be under half of --window")

    try:
        rooms = [Room(args.files[k], args.files[k + 1]) for k in range(0, len(args.files), 2)]
        names = [r.name for r in rooms]
        if len(set(names)) != len(names):
            for r in rooms:
                r.name = os.path.splitext(os.path.basename(r.wav_path))[0]
            if len({r.name for r in rooms}) != len(rooms):
                for k, r in enumerate(rooms):
                    r.name = f"room{k + 1}"
        out = analyse(rooms, args.window, args.start_after, args.max_lag_ms, args.min_level_db, args.min_corr,
                      args.max_segment_ppm)
    except BadInput as e:
        print(f"sync_analyser: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT

    doc, lines = report(rooms, out, args)
    try:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    except OSError as e:
        print(f"sync_analyser: error: cannot write {args.json}: {e.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for line in lines:
        print(line)

    failures = []
    if args.assert_p99_us is not None or args.assert_max_us is not None:
        for pj in doc["pairs"]:
            if pj["windows"] == 0:
                failures.append(f"{pj['pair']}: no measurable window, cannot check the limits")
                continue
            if args.assert_p99_us is not None and pj["p99_abs_us"] > args.assert_p99_us:
                failures.append(f"{pj['pair']}: p99 |offset| {pj['p99_abs_us']:.2f} us > limit {args.assert_p99_us:g} us")
            if args.assert_max_us is not None and pj["max_abs_us"] > args.assert_max_us:
                failures.append(f"{pj['pair']}: max |offset| {pj['max_abs_us']:.2f} us > limit {args.assert_max_us:g} us")
    for msg in failures:
        print(f"sync_analyser: ASSERTION FAILED: {msg}", file=sys.stderr)
    return EXIT_ASSERT if failures else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
