// A voice sample, start to finish: POST /v1/voices/{id}/sample, poll the job, then play its audio in the
// page's <audio>. New job ("Hear this voice") and a lexicon ("Hear it", with the lexicon applied) use it.

import { api } from "./api.js";
import { poll } from "./poll.js";

/**
 * Renders ``body`` (text, speed, lexicons) with ``voiceId`` and plays it in ``audio``. ``done(error)`` is
 * called once, with null when the sample plays. Returns the poll's stop function, for the page to stop.
 */
export async function playSample(voiceId, body, audio, done) {
  const job = await api(`/v1/voices/${encodeURIComponent(voiceId)}/sample`, { method: "POST", body });
  return poll(async () => {
    const now = await api(`/v1/jobs/${job.id}`);
    if (now.status === "completed") {
      const result = await api(`/v1/jobs/${job.id}/result`);
      audio.src = result.audio.url;
      audio.hidden = false;
      audio.play().catch(() => {});
      done(null);
    } else if (now.status === "failed" || now.status === "cancelled") {
      done(new Error(now.error?.message || `the sample was ${now.status}`));
    } else {
      return true;
    }
    return false;
  }, 1000);
}
