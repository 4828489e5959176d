"""Telling the teacher from the students in a single mixed recording (an uploaded phone video).

Method
------
1. Speech regions from Silero VAD.
2. The speech is cut into 1-s windows (hop 0.5 s). Each window is described by numpy-only
   features: the mean and spread of 12 MFCCs (log-mel filterbank + DCT), its mean log energy,
   and the median pitch from a normalised autocorrelation (adult and child voices differ most
   here), plus the voiced fraction.
3. Features are standardised, rows L2-normalised (so Euclidean k-means behaves as cosine
   clustering), and clustered by k-means for k = 2..4, keeping the k with the best silhouette.
   When the best split is weak and its clusters share one pitch, the recording is taken as one
   voice (a pure lecture).
4. The teacher is the cluster with the most speech time; all other clusters are students. A
   majority filter over neighbouring windows removes single-window flips inside a turn.

Limits (honest)
---------------
- Proven only on synthetic lessons whose voices differ by design (espeak variant, pitch, speed
  and level). Real classrooms have reverberation, noise, overlapping talk and a chorus of
  students answering together; expect more errors there.
- "Teacher = the dominant voice" fails when one student talks more than the teacher (a student
  presentation, a practice-type lesson with a lot of reading aloud by one pupil).
- A teacher whose voice is close to a student's (e.g. a young female teacher and girls at the
  front) can fall into one cluster; two teachers (co-teaching) become one teacher and one
  "student" cluster.
- Overlapping speech is given to one side; turns shorter than about a second may be mislabelled.
- A single voice (a pure lecture) is recognised only when its clusters have the same pitch
  (within 2 semitones) and a weak silhouette (< 0.3; a one-voice split measured 0.21-0.27, real
  two-voice splits 0.32-0.37 on the synthetic lessons). The margin is thin: a lecture in a noisy
  room may still be split into a teacher and a phantom student.
- Per-track recordings (live lessons) do not need any of this and should be preferred.
"""

from __future__ import annotations

import numpy as np

from workers.analytics.activity import (
    FRAME_SECONDS,
    SAMPLE_RATE,
    STUDENT,
    TEACHER,
    Region,
    SpeechActivity,
    mask_to_regions,
    merge_regions,
    vad_regions,
)

WINDOW_SECONDS = 1.0
HOP_SECONDS = 0.5
MAX_CLUSTERS = 4
MIN_SILHOUETTE = 0.12  # below this, the windows do not split into distinct voices
# clusters whose median pitches lie within 2 semitones and separate only weakly are one voice
ONE_VOICE_PITCH_SPREAD = 2 / 12 * np.log(2)
ONE_VOICE_SILHOUETTE = 0.3
N_MELS, N_MFCC = 40, 12


def _mel_filterbank(n_fft: int, n_mels: int = N_MELS, fmin: float = 60.0, fmax: float = 7600.0) -> np.ndarray:
    def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
        return np.asarray(2595.0 * np.log10(1.0 + np.asarray(f) / 700.0))

    mels = np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2)
    hz = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    bins = np.floor((n_fft + 1) * hz / SAMPLE_RATE).astype(int)
    bank = np.zeros((n_mels, n_fft // 2 + 1))
    for m in range(1, n_mels + 1):
        left, centre, right = bins[m - 1], bins[m], bins[m + 1]
        for k in range(left, centre):
            bank[m - 1, k] = (k - left) / max(1, centre - left)
        for k in range(centre, right):
            bank[m - 1, k] = (right - k) / max(1, right - centre)
    return bank


def _dct_matrix(n_in: int, n_out: int) -> np.ndarray:
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    return np.asarray(np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)))


def frame_features(audio: np.ndarray, block: int = 4000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per 20-ms frame: MFCC (frames × 12), log energy, log pitch (NaN when unvoiced).

    Computed in blocks of frames so a 45-minute lesson needs tens of MB, not gigabytes.
    """
    hop = int(SAMPLE_RATE * FRAME_SECONDS)
    length = 640  # 40 ms: two periods of an 80 Hz voice
    n = max(0, (audio.size - length) // hop + 1)
    bank = _mel_filterbank(1024).T.astype(np.float32)
    dct = _dct_matrix(N_MELS, N_MFCC + 1)[1:].T.astype(np.float32)
    window = np.hanning(length).astype(np.float32)
    lo, hi = SAMPLE_RATE // 500, SAMPLE_RATE // 70
    window_autocorr = np.correlate(window, window, mode="full")[length - 1:]
    window_autocorr = np.maximum(window_autocorr / window_autocorr[0], 0.05).astype(np.float32)
    mfccs, energies, pitches = [np.zeros((0, N_MFCC), np.float32)], [np.zeros(0)], [np.zeros(0)]
    for first in range(0, n, block):
        count = min(block, n - first)
        index = np.arange(length)[None, :] + hop * (first + np.arange(count))[:, None]
        frames = audio[index].astype(np.float32) * window[None, :]
        spectrum = np.fft.rfft(frames, n=1024)
        power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
        mfccs.append(np.log(power @ bank + 1e-8) @ dct)
        energies.append(np.log(power.sum(axis=1) + 1e-8))
        # pitch: autocorrelation (inverse FFT of the power spectrum) unbiased by the window's own
        # autocorrelation; the period is the highest peak after the first dip below zero, in 70-500 Hz
        autocorr = np.fft.irfft(power, n=1024)[:, :hi] / window_autocorr[None, :hi]
        autocorr /= autocorr[:, :1] + 1e-8
        below = autocorr < 0
        first_dip = np.where(below.any(axis=1), below.argmax(axis=1), hi)
        lags = np.arange(hi)[None, :]
        candidates = np.where((lags >= np.maximum(first_dip, lo)[:, None]), autocorr, -np.inf)
        lag = candidates.argmax(axis=1)
        peak = candidates[np.arange(count), lag]
        pitches.append(np.where((peak > 0.4) & (lag >= lo), np.log(SAMPLE_RATE / np.maximum(lag, 1)), np.nan))
    return np.concatenate(mfccs), np.concatenate(energies), np.concatenate(pitches)


def _windows(regions: list[Region], duration: float) -> list[tuple[float, float]]:
    out = []
    for start, end in regions:
        if end - start <= WINDOW_SECONDS:
            out.append((start, end))
            continue
        t = start
        while t + WINDOW_SECONDS <= end + 1e-6:
            out.append((t, t + WINDOW_SECONDS))
            t += HOP_SECONDS
        if out[-1][1] < end - HOP_SECONDS / 2:
            out.append((max(start, end - WINDOW_SECONDS), end))
    return [(a, min(b, duration)) for a, b in out]


def window_features(audio: np.ndarray, windows: list[tuple[float, float]]) -> np.ndarray:
    mfcc, energy, pitch = frame_features(audio)
    rows = []
    for start, end in windows:
        a, b = int(start / FRAME_SECONDS), max(int(start / FRAME_SECONDS) + 1, int(end / FRAME_SECONDS))
        a, b = min(a, len(energy) - 1), min(b, len(energy))
        p = pitch[a:b]
        voiced = p[~np.isnan(p)]
        rows.append(np.concatenate([
            mfcc[a:b].mean(axis=0), mfcc[a:b].std(axis=0), [energy[a:b].mean()],
            [np.median(voiced) if voiced.size else np.nan], [voiced.size / max(1, b - a)],
        ]))
    feats = np.array(rows, dtype=np.float64)
    pitch_col = feats[:, 2 * N_MFCC + 1]
    if np.isnan(pitch_col).all():
        pitch_col[:] = 0.0
    else:
        pitch_col[np.isnan(pitch_col)] = np.nanmedian(pitch_col)
    return feats


def _standardise(feats: np.ndarray) -> np.ndarray:
    """z-score every feature (equal weights: measured best), then unit rows for cosine k-means."""
    z = (feats - feats.mean(axis=0)) / (feats.std(axis=0) + 1e-8)
    return np.asarray(z / (np.linalg.norm(z, axis=1, keepdims=True) + 1e-8))


def kmeans(x: np.ndarray, k: int, seed: int = 0, restarts: int = 4, iters: int = 50) -> tuple[np.ndarray, float]:
    """Plain k-means with k-means++ seeding; returns labels and inertia of the best restart."""
    rng = np.random.default_rng(seed)
    best_labels, best_inertia = np.zeros(len(x), dtype=int), np.inf
    for _ in range(restarts):
        centres = [x[rng.integers(len(x))]]
        for _ in range(1, k):
            d2 = np.min([((x - c) ** 2).sum(axis=1) for c in centres], axis=0)
            probs = d2 / d2.sum() if d2.sum() > 0 else np.full(len(x), 1 / len(x))
            centres.append(x[rng.choice(len(x), p=probs)])
        c = np.array(centres)
        labels = np.zeros(len(x), dtype=int)
        for _ in range(iters):
            distances = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
            new = distances.argmin(axis=1)
            if (new == labels).all() and _ > 0:
                break
            labels = new
            for j in range(k):
                if (labels == j).any():
                    c[j] = x[labels == j].mean(axis=0)
        inertia = float(((x - c[labels]) ** 2).sum())
        if inertia < best_inertia:
            best_labels, best_inertia = labels.copy(), inertia
    return best_labels, best_inertia


def silhouette(x: np.ndarray, labels: np.ndarray, max_points: int = 1500, seed: int = 0) -> float:
    """Mean silhouette with cosine distance (rows are unit vectors), on a sample for speed."""
    if len(set(labels.tolist())) < 2:
        return -1.0
    idx = np.arange(len(x))
    if len(x) > max_points:
        idx = np.random.default_rng(seed).choice(len(x), max_points, replace=False)
    xs, ls = x[idx], labels[idx]
    dist = 1.0 - xs @ xs.T
    scores = []
    for i in range(len(xs)):
        own = ls == ls[i]
        if own.sum() <= 1:
            scores.append(0.0)
            continue
        a = dist[i, own].sum() / (own.sum() - 1)
        b = min(dist[i, ls == other].mean() for other in set(ls.tolist()) if other != ls[i])
        scores.append((b - a) / max(a, b, 1e-12))
    return float(np.mean(scores))


def _majority_filter(labels: np.ndarray, groups: list[int], width: int = 5) -> np.ndarray:
    """Majority vote over neighbouring windows of the same speech region."""
    out = labels.copy()
    half = width // 2
    groups_arr = np.array(groups)
    for i in range(len(labels)):
        lo, hi = max(0, i - half), min(len(labels), i + half + 1)
        same = groups_arr[lo:hi] == groups_arr[i]
        values, counts = np.unique(labels[lo:hi][same], return_counts=True)
        out[i] = values[counts.argmax()]
    return out


def cluster_speakers(audio: np.ndarray, duration: float) -> SpeechActivity:
    """Speech activity per role for one mixed track, by clustering voices (see module doc)."""
    regions = vad_regions(audio)
    windows = _windows(regions, duration)
    if len(windows) < 4:
        return SpeechActivity(duration, {TEACHER: merge_regions(regions), STUDENT: []}, "clustering",
                              {"clusters": 1, "silhouette": None, "windows": len(windows)})
    raw = window_features(audio, windows)
    x = _standardise(raw)
    best_k, best_labels, best_score = 1, np.zeros(len(x), dtype=int), -1.0
    for k in range(2, min(MAX_CLUSTERS, len(x) - 1) + 1):
        labels, _ = kmeans(x, k)
        score = silhouette(x, labels)
        if score > best_score:
            best_k, best_labels, best_score = k, labels, score
    pitch = raw[:, 2 * N_MFCC + 1]
    medians = [float(np.median(pitch[best_labels == j])) for j in range(best_k) if (best_labels == j).any()]
    same_pitch = max(medians) - min(medians) < ONE_VOICE_PITCH_SPREAD
    if best_score < MIN_SILHOUETTE or (same_pitch and best_score < ONE_VOICE_SILHOUETTE):
        best_k, best_labels = 1, np.zeros(len(x), dtype=int)
    groups = [next(i for i, (a, b) in enumerate(regions) if a <= w0 < b + 1e-6) for w0, _ in windows]
    labels = _majority_filter(best_labels, groups)
    speech_time = np.bincount(labels, minlength=best_k)
    teacher_cluster = int(speech_time.argmax())
    n_frames = int(np.ceil(duration / FRAME_SECONDS))
    masks = {TEACHER: np.zeros(n_frames, dtype=bool), STUDENT: np.zeros(n_frames, dtype=bool)}
    # each window speaks for the middle half-hop around its centre (first/last reach the region edge)
    for i, (start, end) in enumerate(windows):
        region_start, region_end = regions[groups[i]]
        centre = (start + end) / 2
        a = region_start if i == 0 or groups[i - 1] != groups[i] else centre - HOP_SECONDS / 2
        last = i == len(windows) - 1 or groups[i + 1] != groups[i]
        b = region_end if last else centre + HOP_SECONDS / 2
        role = TEACHER if labels[i] == teacher_cluster else STUDENT
        masks[role][int(a / FRAME_SECONDS): int(np.ceil(b / FRAME_SECONDS))] = True
    masks[STUDENT] &= ~masks[TEACHER]
    result = {role: merge_regions(mask_to_regions(mask), bridge=0.1) for role, mask in masks.items()}
    details = {"clusters": best_k, "silhouette": round(best_score, 3), "windows": len(windows),
               "cluster_seconds": [round(float(c) * HOP_SECONDS, 1) for c in speech_time]}
    return SpeechActivity(duration, result, "clustering", details)
