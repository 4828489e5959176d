// The low-bandwidth picture: the key frame of the moment (from the storyboard) with the subtitle cue that is
// being spoken under it, for a <video> that plays sound only (the audio-only rendition or file).

/** The last key frame shown by `seconds`, or null. */
export function frameAt(frames, seconds) {
  let current = null;
  for (const f of frames || []) if (f.t <= seconds + 0.25) current = f;
  return current;
}

/** The subtitle track of a <video>, or null. */
export function subtitleTrack(video) {
  return [...video.textTracks].find((track) => track.kind === "subtitles") || null;
}

/** The text of the cues being spoken now. */
export function spokenText(video) {
  const cues = subtitleTrack(video)?.activeCues;
  return cues && cues.length ? [...cues].map((c) => c.text).join(" ") : "";
}

/** Keep `img` on the key frame of `video`'s time and `caption` on its cue; `label(t)` names the frame. */
export function followKeyFrames(video, frames, img, caption, label = () => "") {
  const update = () => {
    const current = frameAt(frames, video.currentTime);
    if (current && img.dataset.t !== String(current.t)) {
      img.src = current.url;
      img.dataset.t = String(current.t);
      img.title = label(current.t);
    }
  };
  const speak = () => { caption.textContent = spokenText(video); };
  video.addEventListener("timeupdate", update);
  subtitleTrack(video)?.addEventListener("cuechange", speak);
  video.textTracks.addEventListener("addtrack", () => subtitleTrack(video)?.addEventListener("cuechange", speak));
  update();
  return { update, speak };
}
