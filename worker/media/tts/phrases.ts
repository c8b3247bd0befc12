/**
 * Word times for a voice that gives none: speak the spoken form phrase by phrase and place each
 * phrase's words in the phrase's measured voiced span (by length). Used by the Flite and Piper
 * voices; eSpeak has a faster way of its own (one run, breaks found in the audio).
 */
import type { SpokenText } from "../spoken.ts";
import { joinPcm, pcmDuration, type Pcm } from "../wav.ts";
import { placeInSpan, voicedSpan, type WordTime } from "../word-timing.ts";
import { phrases } from "./espeak.ts";
import type { TimedSpeech } from "./provider.ts";

/** Speaks each phrase with `run` and joins the audio, with every word's time. */
export async function speakByPhrases(spoken: SpokenText, run: (text: string, signal: AbortSignal) => Promise<Pcm>, signal: AbortSignal): Promise<TimedSpeech> {
  const parts: Pcm[] = [];
  const words: WordTime[] = [];
  let at = 0;
  for (const g of phrases(spoken.words)) {
    const pcm = await run(g.map((i) => spoken.words[i]).join(" "), signal);
    const [from, to] = voicedSpan(pcm);
    words.push(...placeInSpan(g.map((i) => spoken.words[i]!), at + from, at + to));
    parts.push(pcm);
    at += pcmDuration(pcm);
  }
  return { pcm: joinPcm(parts), words };
}
