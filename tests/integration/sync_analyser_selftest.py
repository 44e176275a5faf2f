#!/usr/bin/python3
"""Self-test of sync_analyser.py, without any Crowdmesh binary.

Synthesises room recordings and truth logs from an analytic music-like signal
(harmonic notes with attack/decay envelopes, noise-like percussive bursts of
random partials, a slowly modulated pad; every component is a sinusoid under a
smooth envelope, so the signal is band-limited and can be evaluated exactly at
any true time: a card running at +-100 ppm is rendered exactly at its frames'
true times), then checks what the analyser recovers:

  1. constant 13.7 us delay between two rooms at the same rate (and the sign);
  2. three cards at +100 / -100 / 0 ppm with +25 us and -7 us offsets, every
     window within 2 us; bass-heavy music (where a plain correlation peak is
     biased by several us by the window edges) at -60 / +140 ppm, 11.1 us;
  3. a stall: the truth log jumps by 10 ms (both as the repeated frame the
     virtual backend writes and as one out-of-rate segment), the content goes
     on at the new times; windows on both sides are measured right; silent
     and uncorrelated stretches are skipped and counted (quiet / weak);
  4. bad inputs exit 2 naming the file (and line);
  5. --assert-p99-us / --assert-max-us exit 1 when exceeded.

Optional: with CROWDMESH_MUSIC_DIR holding an mp3 (and ffmpeg installed) the
first one is decoded and checked too (skewed card + known offset). With
CROWDMESH_SYNC_ANALYSER_BENCH=1 a 3 rooms x 5 minutes case is timed (< 60 s).

Run: /usr/bin/python3 tests/integration/sync_analyser_selftest.py [-v]
(needs python3-numpy and python3-scipy; CTest runs it as SyncAnalyserSelfTest).
"""

import glob
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ANALYSER = os.path.join(HERE, "sync_analyser.py")
RATE = 48000
PERIOD = 256
BASE_NS = 7_345_678_901_234  # a CLOCK_MONOTONIC_RAW-like origin (about 2 hours after boot)
TOLERANCE_US = 2.0


def note(msg):
    print(f"    [selftest] {msg}", file=sys.stderr)


# ---------------------------------------------------------------- the source

class Music:
    """A deterministic, band-limited, music-like signal evaluated at any time (s)."""

    def __init__(self, seed, duration, bass=False):
        """bass: only low notes with few harmonics (up to ~1 kHz), no percussion,
        a low pad: the hardest case for a windowed delay estimate."""
        rng = np.random.default_rng(seed)
        self.events = []  # (start, length, freqs, amps, phases, attack, decay)
        t = 0.0
        while t < duration:  # notes: a harmonic series, slightly inharmonic
            f0 = (41.2 if bass else 98.0) * 2.0 ** (rng.integers(0, 24 if bass else 36) / 12.0)
            k = np.arange(1, int(min(6 if bass else 14, 15000 // f0)) + 1)
            freqs = f0 * k * (1.0 + 0.0004 * rng.standard_normal(len(k)))
            amps = 0.12 / k * rng.uniform(0.4, 1.0, len(k))
            self.events.append((t, rng.uniform(0.3, 0.8), freqs, amps, rng.uniform(0, 2 * np.pi, len(k)),
                                0.006, rng.uniform(0.12, 0.45)))
            t += float(rng.choice([0.125, 0.25, 0.375]))
        t = 0.0
        while t < duration:  # percussion: bursts of random partials (noise-like)
            if not bass and rng.uniform() < 0.85:
                n = 28
                self.events.append((t + rng.uniform(0, 0.01), 0.16, rng.uniform(700.0, 16000.0, n),
                                    0.05 * rng.uniform(0.3, 1.0, n), rng.uniform(0, 2 * np.pi, n),
                                    0.002, rng.uniform(0.02, 0.05)))
            t += 0.25
        n = 12  # pad: partials with slow amplitude modulation, all along
        self.pad = (rng.uniform(40.0, 400.0, n) if bass else rng.uniform(150.0, 12000.0, n), rng.uniform(0.008, 0.02, n), rng.uniform(0, 2 * np.pi, n),
                    rng.uniform(0.2, 1.0, n), rng.uniform(0, 2 * np.pi, n))
        self.duration = duration

    def __call__(self, t):
        """Samples at the (sorted) times t, s; silence outside [0, duration]."""
        t = np.asarray(t, dtype=np.float64)
        out = np.zeros(len(t))
        inside = slice(*np.searchsorted(t, [0.0, self.duration]))
        tt = t[inside]
        freqs, amps, phases, am_rate, am_phase = self.pad
        for f, a, p, m, q in zip(freqs, amps, phases, am_rate, am_phase):
            out[inside] += a * (1.0 + 0.5 * np.sin(2 * np.pi * m * tt + q)) * np.sin(2 * np.pi * f * tt + p)
        for start, length, freqs, amps, phases, attack, decay in self.events:
            i0, i1 = np.searchsorted(t, [start, start + length])
            if i1 <= i0:
                continue
            tau = t[i0:i1] - start
            env = np.exp(-np.maximum(tau - attack, 0.0) / decay)
            env *= np.where(tau < attack, 0.5 - 0.5 * np.cos(np.pi * tau / attack), 1.0)
            release = 0.02
            tail = tau > length - release
            env[tail] *= 0.5 + 0.5 * np.cos(np.pi * (tau[tail] - (length - release)) / release)
            out[i0:i1] += env * (np.sin(2 * np.pi * tau[:, None] * freqs[None, :] + phases[None, :]) @ amps)
        return out


# ---------------------------------------------------------------- room files

def write_wav(path, mono, channels=2):
    """32-bit float WAV, with a LIST chunk before the data (as some writers do)."""
    data = np.repeat(np.asarray(mono, dtype="<f4")[:, None], channels, axis=1).tobytes()
    fmt = struct.pack("<HHIIHH", 3, channels, RATE, RATE * 4 * channels, 4 * channels, 32)
    listing = b"INFOISFT\x0a\x00\x00\x00selftest\x00\x00"
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt +
            b"LIST" + struct.pack("<I", len(listing)) + listing +
            b"data" + struct.pack("<I", len(data)) + data)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", len(body)) + body)


def make_room(directory, name, music, seconds, start_s, skew_ppm, delay_s, stall=None, stall_style="repeat"):
    """Renders what a card played and its truth log.

    Device frame f reaches the DAC at true time start_s + f / (RATE (1 + skew))
    (+ stall[1] from frame stall[0] on); it plays the music at that true time
    minus delay_s (so a larger delay_s means the room plays the same sound later).
    """
    nframes = int(seconds * RATE)
    period_s = 1.0 / (RATE * (1.0 + skew_ppm * 1e-6))

    def true_time(f, after_stall=True):
        t = start_s + np.asarray(f, dtype=np.float64) * period_s
        if stall is not None and after_stall:
            t = t + np.where(np.asarray(f) >= stall[0], stall[1], 0.0)
        return t

    frames = np.arange(nframes)
    write_wav(os.path.join(directory, name + ".wav"), music(true_time(frames) - delay_s))
    lines = [f"# crowdmesh truth log v1 rate_hz={RATE} skew_ppm={skew_ppm:.6f} node={name} period=256"]
    last = nframes - 3 * PERIOD  # the log may stop before the recording: extrapolated
    for f in range(0, last, PERIOD):
        if stall is not None and f == stall[0] and stall_style == "repeat":
            lines.append(f"{f} {BASE_NS + int(round(float(true_time(f, False)) * 1e9))}")
        lines.append(f"{f} {BASE_NS + int(round(float(true_time(f)) * 1e9))}")
    truth = os.path.join(directory, name + ".truth")
    with open(truth, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return os.path.join(directory, name + ".wav"), truth


def run_analyser(files, json_path, *extra):
    cmd = [sys.executable, ANALYSER, "--window", "0.5", "--json", json_path, *extra, *files]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    doc = None
    if p.returncode in (0, 1) and os.path.exists(json_path):
        with open(json_path) as f:
            doc = json.load(f)
    return p.returncode, doc, p.stdout, p.stderr


def pair(doc, name):
    for p in doc["pairs"]:
        if p["pair"] == name:
            return p
    raise AssertionError(f"no pair {name} in {[p['pair'] for p in doc['pairs']]}")


class SyncAnalyserSelfTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sync_analyser_selftest_")
        cls.music = Music(seed=20240611, duration=40.0)
        # Case 1 (also used by cases 4 and 5): same rate, room b starts 37.1234 ms
        # later (not a whole number of frames) and plays 13.7 us late.
        d = os.path.join(cls.tmp, "delay")
        os.makedirs(d)
        cls.delay_files = [*make_room(d, "room-a", cls.music, 12.0, 1.0, 0.0, 0.0),
                           *make_room(d, "room-b", cls.music, 12.0, 1.0371234, 0.0, 13.7e-6)]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check_offsets(self, p, expected_us, min_windows):
        offs = np.array([o for _, o in p["offsets"]])
        err = np.abs(offs - expected_us)
        note(f"{p['pair']}: expected {expected_us:+.2f} us, mean {offs.mean():+.3f} us, "
             f"max error {err.max():.3f} us, {p['windows']} windows, skipped {p['skipped']}")
        self.assertGreaterEqual(p["windows"], min_windows, p["skipped"])
        self.assertEqual(len(offs), p["windows"])
        self.assertLess(err.max(), TOLERANCE_US, f"{p['pair']}: offsets {offs}")
        self.assertAlmostEqual(p["mean_us"], expected_us, delta=0.5)
        self.assertAlmostEqual(p["p50_abs_us"], abs(expected_us), delta=TOLERANCE_US)
        self.assertLessEqual(p["max_abs_us"], abs(expected_us) + TOLERANCE_US)
        self.assertGreaterEqual(p["max_abs_us"], abs(expected_us) - TOLERANCE_US)
        return err.max()

    # 1 -------------------------------------------------------------------
    def test_constant_delay(self):
        out = os.path.join(self.tmp, "delay.json")
        rc, doc, stdout, stderr = run_analyser(self.delay_files, out)
        self.assertEqual(rc, 0, stderr)
        p = pair(doc, "room-a~room-b")
        self.check_offsets(p, 13.7, min_windows=18)
        self.assertRegex(stdout, r"room-a~room-b: p50 \d+\.\d us p99 \d+\.\d us max \d+\.\d us over \d+ windows")
        self.assertEqual(doc["worst"]["p99_abs_us"], p["p99_abs_us"])
        # Window start times are true times since the latest start, 0.5 s apart.
        starts = np.array([t for t, _ in p["offsets"]])
        self.assertTrue(np.all(np.diff(starts) > 0.49))
        self.assertLess(starts[0], 0.1)
        # The sign: the same rooms the other way round.
        f = self.delay_files
        rc, doc, _, stderr = run_analyser([f[2], f[3], f[0], f[1]], out)
        self.assertEqual(rc, 0, stderr)
        self.check_offsets(pair(doc, "room-b~room-a"), -13.7, min_windows=18)

    # 2 -------------------------------------------------------------------
    def test_skewed_cards(self):
        d = os.path.join(self.tmp, "skew")
        os.makedirs(d)
        files = [*make_room(d, "room-a", self.music, 12.0, 1.0, +100.0, 0.0),
                 *make_room(d, "room-b", self.music, 12.0, 1.0002, -100.0, 25e-6),
                 *make_room(d, "room-c", self.music, 12.0, 1.0101, 0.0, -7e-6)]
        out = os.path.join(d, "out.json")
        rc, doc, stdout, stderr = run_analyser(files, out)
        self.assertEqual(rc, 0, stderr)
        skews = {r["name"]: r["measured_skew_ppm"] for r in doc["rooms"]}
        self.assertAlmostEqual(skews["room-a"], 100.0, delta=0.5)
        self.assertAlmostEqual(skews["room-b"], -100.0, delta=0.5)
        self.check_offsets(pair(doc, "room-a~room-b"), 25.0, min_windows=18)
        self.check_offsets(pair(doc, "room-a~room-c"), -7.0, min_windows=18)
        self.check_offsets(pair(doc, "room-b~room-c"), -32.0, min_windows=18)
        self.assertAlmostEqual(doc["worst"]["max_abs_us"], 32.0, delta=TOLERANCE_US)
        self.assertEqual(doc["worst"]["max_pair"], "room-b~room-c")

    # 2b ------------------------------------------------------------------
    def test_bass_heavy_music(self):
        # Low content makes the correlation peak broad: a plain (even
        # band-limited-interpolated) correlation peak is biased by several us
        # by the window's edges here.
        bass = Music(seed=4242, duration=40.0, bass=True)
        d = os.path.join(self.tmp, "bass")
        os.makedirs(d)
        files = [*make_room(d, "room-a", bass, 12.0, 1.0, -60.0, 0.0),
                 *make_room(d, "room-b", bass, 12.0, 1.0009, +140.0, 11.1e-6)]
        rc, doc, _, stderr = run_analyser(files, os.path.join(d, "out.json"))
        self.assertEqual(rc, 0, stderr)
        self.check_offsets(pair(doc, "room-a~room-b"), 11.1, min_windows=18)

    # 3 -------------------------------------------------------------------
    def test_stall(self):
        d = os.path.join(self.tmp, "stall")
        os.makedirs(d)
        stall_frame = 6 * RATE + 37 * PERIOD  # about 6.2 s into room b's recording
        a = make_room(d, "room-a", self.music, 14.0, 1.0, 30.0, 0.0)
        for style in ("repeat", "spread"):
            with self.subTest(style=style):
                b = make_room(d, "room-b-" + style, self.music, 14.0, 1.0013, -50.0, 5e-6,
                              stall=(stall_frame, 0.010), stall_style=style)
                out = os.path.join(d, style + ".json")
                rc, doc, _, stderr = run_analyser([*a, *b], out)
                self.assertEqual(rc, 0, stderr)
                p = pair(doc, "room-a~room-b-" + style)
                self.check_offsets(p, 5.0, min_windows=doc["windows_total"] - 3)
                room_b = [r for r in doc["rooms"] if r["name"] == "room-b-" + style][0]
                self.assertEqual(room_b["discontinuities"], 1)
                self.assertGreaterEqual(p["skipped"]["discontinuity"], 1)
                self.assertLessEqual(p["skipped"]["discontinuity"], 2)
                # Windows after the stall are measured (the content goes on at the new times).
                stall_t = 1.0013 + stall_frame / (RATE * (1 - 50e-6)) - 1.0013
                after = [o for t, o in p["offsets"] if t > stall_t + 0.6]
                self.assertGreaterEqual(len(after), 10)
                self.assertLess(max(abs(o - 5.0) for o in after), TOLERANCE_US)

    # 3b ------------------------------------------------------------------
    def test_quiet_and_weak_windows_are_skipped(self):
        other = Music(seed=99, duration=40.0)

        def source(t):  # room b: silent over 4-6 s, other music over 8-10 s
            y = self.music(t)
            y[(t >= 4.0) & (t < 6.0)] = 0.0
            swap = (t >= 8.0) & (t < 10.0)
            y[swap] = other(t[swap])
            return y

        d = os.path.join(self.tmp, "skips")
        os.makedirs(d)
        files = [*self.delay_files[:2], *make_room(d, "room-b", source, 12.0, 1.0371234, 0.0, 13.7e-6)]
        rc, doc, stdout, stderr = run_analyser(files, os.path.join(d, "out.json"))
        self.assertEqual(rc, 0, stderr)
        p = pair(doc, "room-a~room-b")
        self.assertGreaterEqual(p["skipped"]["quiet"], 3)
        self.assertLessEqual(p["skipped"]["quiet"], 5)
        self.assertGreaterEqual(p["skipped"]["weak"] + p["skipped"]["ambiguous"], 3)
        self.assertLessEqual(p["skipped"]["weak"] + p["skipped"]["ambiguous"], 6)
        self.assertEqual(p["windows"] + sum(p["skipped"].values()), doc["windows_total"])
        self.check_offsets(p, 13.7, min_windows=doc["windows_total"] - 10)
        self.assertIn("quiet", stdout)

    # 4 -------------------------------------------------------------------
    def test_bad_inputs(self):
        d = os.path.join(self.tmp, "bad")
        os.makedirs(d)
        wav_a, truth_a, wav_b, truth_b = self.delay_files
        out = os.path.join(d, "out.json")

        def expect_bad(files, *needles):
            rc, _, _, stderr = run_analyser(files, out)
            self.assertEqual(rc, 2, f"files {files}: stderr {stderr}")
            for needle in needles:
                self.assertIn(needle, stderr)
            return stderr

        missing = os.path.join(d, "nowhere.wav")
        expect_bad([wav_a, truth_a, missing, truth_b], missing)
        expect_bad([wav_a, truth_a, wav_b, os.path.join(d, "nowhere.truth")], "nowhere.truth")
        garbage = os.path.join(d, "garbage.wav")
        with open(garbage, "wb") as f:
            f.write(b"this is not a sound file\n" * 10)
        expect_bad([wav_a, truth_a, garbage, truth_b], garbage)
        headless = os.path.join(d, "nofmt.wav")
        with open(headless, "wb") as f:
            f.write(b"RIFF" + struct.pack("<I", 12) + b"WAVEdata" + struct.pack("<I", 0))
        expect_bad([wav_a, truth_a, headless, truth_b], headless)

        with open(truth_b) as f:
            good = f.read().splitlines()
        cases = {
            "malformed.truth": (good[:4] + ["1024 12x34"] + good[5:], ":5:"),
            "three.truth": (good[:6] + ["1536 1 2"] + good[7:], ":7:"),
            "header.truth": (["# some other log"] + good[1:], ":1:"),
            "backwards.truth": (good[:8] + [good[3]] + good[9:], ":9:"),
        }
        for name, (lines, where) in cases.items():
            path = os.path.join(d, name)
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            stderr = expect_bad([wav_a, truth_a, wav_b, path], path + where)
            note(f"bad input {name}: {stderr.strip()}")
        # Files come in pairs.
        expect_bad([wav_a, truth_a, wav_b])

    # 5 -------------------------------------------------------------------
    def test_assert_options(self):
        out = os.path.join(self.tmp, "assert.json")
        rc, doc, _, stderr = run_analyser(self.delay_files, out, "--assert-p99-us", "16", "--assert-max-us", "16")
        self.assertEqual(rc, 0, stderr)
        rc, doc, _, stderr = run_analyser(self.delay_files, out, "--assert-p99-us", "10")
        self.assertEqual(rc, 1, stderr)
        self.assertIn("ASSERTION FAILED", stderr)
        self.assertRegex(stderr, r"room-a~room-b: p99 \|offset\| 1[2-5]\.\d\d us > limit 10 us")
        self.assertIsNotNone(doc)  # the JSON is written all the same
        rc, _, _, stderr = run_analyser(self.delay_files, out, "--assert-p99-us", "16", "--assert-max-us", "11")
        self.assertEqual(rc, 1, stderr)
        self.assertRegex(stderr, r"room-a~room-b: max \|offset\| 1[2-5]\.\d\d us > limit 11 us")
        self.assertNotIn("p99 |offset|", stderr)

    # optional ------------------------------------------------------------
    def test_music_file(self):
        music_dir = os.environ.get("CROWDMESH_MUSIC_DIR")
        mp3s = sorted(glob.glob(os.path.join(music_dir, "**", "*.mp3"), recursive=True)) if music_dir else []
        if not mp3s or shutil.which("ffmpeg") is None:
            self.skipTest("CROWDMESH_MUSIC_DIR with an mp3 and ffmpeg needed")
        p = subprocess.run(["ffmpeg", "-v", "error", "-ss", "20", "-t", "16", "-i", mp3s[0], "-ac", "1",
                            "-ar", str(RATE), "-f", "f32le", "-"], capture_output=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        src = np.frombuffer(p.stdout, dtype="<f4").astype(np.float64)
        if len(src) < 14 * RATE:
            self.skipTest(f"{mp3s[0]} is too short")
        source = SampledSource(src)
        d = os.path.join(self.tmp, "mp3")
        os.makedirs(d)
        files = [*make_room(d, "room-a", source, 12.0, 0.5, +120.0, 0.0),
                 *make_room(d, "room-b", source, 12.0, 0.5003, -80.0, 9.3e-6)]
        rc, doc, _, stderr = run_analyser(files, os.path.join(d, "out.json"))
        self.assertEqual(rc, 0, stderr)
        note(f"music file {os.path.basename(mp3s[0])}")
        self.check_offsets(pair(doc, "room-a~room-b"), 9.3, min_windows=15)

    def test_benchmark_3_rooms_5_minutes(self):
        if os.environ.get("CROWDMESH_SYNC_ANALYSER_BENCH") != "1":
            self.skipTest("set CROWDMESH_SYNC_ANALYSER_BENCH=1 to time 3 rooms x 5 minutes")
        rng = np.random.default_rng(5)
        seconds = 300.0
        n = int((seconds + 2) * RATE)
        # A cheap music-like source (shaped noise with an envelope, plus tones),
        # rendered with the analyser's own interpolator for speed: this case
        # times the analysis, the accuracy checks are the cases above.
        from scipy import signal
        b, a = signal.butter(4, [60 / (RATE / 2), 15000 / (RATE / 2)], btype="band")
        noise = signal.lfilter(b, a, rng.standard_normal(n))
        t = np.arange(n) / RATE
        env = 0.3 + 0.7 * np.abs(np.sin(2 * np.pi * 2.0 * t)) ** 3
        src = (0.1 * noise * env + 0.05 * np.sin(2 * np.pi * 220 * t) +
               0.03 * np.sin(2 * np.pi * 1375.3 * t)).astype(np.float32)
        sys.dont_write_bytecode = True  # no __pycache__ in the source tree
        spec = importlib.util.spec_from_file_location("sync_analyser", ANALYSER)
        analyser = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(analyser)
        kernel = analyser.Kernel(1.0)
        pad = kernel.half + 2
        padded = np.concatenate([np.zeros(pad, np.float32), src, np.zeros(pad, np.float32)])

        def source(times):
            out = np.empty(len(times), np.float32)
            for s in range(0, len(times), 1 << 20):
                pos = np.clip(times[s:s + (1 << 20)] * RATE, 0, n - 1)
                out[s:s + (1 << 20)] = kernel.apply(padded, pos, pad)
            return out

        d = os.path.join(self.tmp, "bench")
        os.makedirs(d)
        files = [*make_room(d, "room-a", source, seconds, 0.5, +100.0, 0.0),
                 *make_room(d, "room-b", source, seconds, 0.5003, -100.0, 4e-6),
                 *make_room(d, "room-c", source, seconds, 0.5007, 0.0, -3e-6)]
        start = time.monotonic()
        rc, doc, stdout, stderr = run_analyser(files, os.path.join(d, "out.json"))
        elapsed = time.monotonic() - start
        note(f"3 rooms x 5 min analysed in {elapsed:.1f} s\n{stdout}")
        self.assertEqual(rc, 0, stderr)
        self.assertLess(elapsed, 60.0)
        self.assertAlmostEqual(pair(doc, "room-a~room-b")["mean_us"], 4.0, delta=1.0)


class SampledSource:
    """A sampled signal evaluated at any time by a long Kaiser-windowed sinc
    (96 taps, beta 10, cut-off 0.92; a 1024-phase table interpolated linearly
    between phases), independent of the analyser's own interpolator."""

    def __init__(self, samples, half=48, beta=10.0, cutoff=0.92, phases=1024):
        self.x = np.concatenate([np.zeros(half + 1), np.asarray(samples, dtype=np.float64), np.zeros(half + 1)])
        self.half, self.phases = half, phases
        self.j = np.arange(-half + 1, half + 1)
        x = (np.arange(phases + 2) / phases)[:, None] - self.j[None, :]
        w = np.i0(beta * np.sqrt(np.clip(1 - (x / half) ** 2, 0, None))) / np.i0(beta)
        self.table = cutoff * np.sinc(cutoff * x) * w

    def __call__(self, t):
        out = np.empty(len(t))
        for s in range(0, len(t), 32768):
            pos = np.asarray(t[s:s + 32768]) * RATE + self.half + 1
            inside = (pos >= self.half) & (pos < len(self.x) - self.half - 1)
            pos = np.where(inside, pos, self.half)
            n = np.floor(pos)
            ph = (pos - n) * self.phases
            q = np.floor(ph)
            frac = (ph - q)[:, None]
            q = q.astype(np.intp)
            h = self.table[q] * (1.0 - frac) + self.table[q + 1] * frac
            vals = np.einsum("ij,ij->i", self.x[n.astype(np.intp)[:, None] + self.j[None, :]], h)
            out[s:s + 32768] = np.where(inside, vals, 0.0)
        return out


if __name__ == "__main__":
    unittest.main(verbosity=2)
