/**
 * The relay's settings for issue and release events (wrangler.toml `[vars]`): which label makes
 * an issue an atom request, whose issues count, and whether prereleases publish. The relay
 * decides what becomes a job, so these live here and not in the worker's configuration.
 */

export interface EventSettings {
  /** The label that makes an issue an atom request (compared case-insensitively, as GitHub does). */
  kbRequestLabel: string;
  /**
   * GitHub `author_association` values whose issues become requests, upper case (OWNER, MEMBER,
   * COLLABORATOR, CONTRIBUTOR, FIRST_TIME_CONTRIBUTOR, FIRST_TIMER, MANNEQUIN, NONE).
   */
  kbRequestTrusted: readonly string[];
  /** Whether a published prerelease becomes a publishing job too. */
  includePrereleases: boolean;
  /**
   * "Make the next N lessons": the `count` every sync job (push and scheduled) carries, so an
   * owner spreads production and model spend over time; null = every lesson at once.
   */
  lessonsPerJob: number | null;
}

export const DEFAULT_EVENT_SETTINGS: EventSettings = {
  kbRequestLabel: "kb-request",
  // On a public repository anyone can open an issue, and each request spends model tokens.
  kbRequestTrusted: ["OWNER", "MEMBER", "COLLABORATOR"],
  includePrereleases: false,
  lessonsPerJob: null,
};

/** The variables these settings are read from (part of the relay's `Env`, which extends this). */
export interface EventVars {
  /** The label that makes an issue an atom request (default kb-request). */
  KB_REQUEST_LABEL?: string;
  /** Comma-separated author_association values whose issues become requests (default OWNER,MEMBER,COLLABORATOR). */
  KB_REQUEST_TRUSTED?: string;
  /** "true" makes published prereleases publishing jobs too (default: ignored). */
  RELEASE_INCLUDE_PRERELEASES?: string;
  /** "Make the next N lessons": a whole number 1–1000 every sync job carries (default: every lesson). */
  LESSONS_PER_JOB?: string;
}

/** The settings from the variables; unset or empty ones take the defaults. */
export function eventSettings(vars: EventVars): EventSettings {
  const label = vars.KB_REQUEST_LABEL?.trim();
  const trusted = (vars.KB_REQUEST_TRUSTED ?? "")
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s.length > 0);
  return {
    kbRequestLabel: label ? label : DEFAULT_EVENT_SETTINGS.kbRequestLabel,
    kbRequestTrusted: trusted.length > 0 ? trusted : DEFAULT_EVENT_SETTINGS.kbRequestTrusted,
    includePrereleases: isTrue(vars.RELEASE_INCLUDE_PRERELEASES),
    lessonsPerJob: lessonsPerJob(vars.LESSONS_PER_JOB),
  };
}

/** A whole number from 1 to 1000 (the sync payload's bounds); anything else means every lesson. */
function lessonsPerJob(value: string | undefined): number | null {
  const text = (value ?? "").trim();
  if (!/^\d{1,4}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= 1000 ? n : null;
}

/** "true", "1", "yes" or "on" (any case); anything else is false. */
function isTrue(value: string | undefined): boolean {
  return ["true", "1", "yes", "on"].includes((value ?? "").trim().toLowerCase());
}
