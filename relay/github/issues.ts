/**
 * The `issues` row of the event table: an issue that asks for a new knowledge-base atom.
 * Opened or labelled with the request label by a trusted author → one `factory.kb.request` job
 * per issue (later events of the issue coalesce into it while it is queued; an edit while it
 * runs makes a new one, which the worker applies to the same branch and pull request). Closed,
 * deleted or un-labelled → the queued job is cancelled. Pure: no I/O, no clock.
 */
import { z } from "zod";
import { ISSUE_LIMITS, KB_REQUEST_JOB_TYPE, type KbRequestPayload } from "../../shared/jobs.ts";
import { kbRequestCoalesceKey } from "../queue/rules.ts";
import {
  capText,
  describeIssues,
  type DeliveryFacts,
  type EventConfig,
  type EventOutcome,
  isWatchedRepo,
  Repository,
  settingsOf,
  toSeen,
  unwatched,
} from "./payloads.ts";

const Label = z.object({ name: z.string().max(1024) });

const IssuesBody = z.object({
  action: z.string().max(100),
  issue: z.object({
    number: z.number().int().min(1),
    title: z.string().min(1).max(4096),
    // Bounded by the webhook's 25 MiB and cut to GitHub's own limit when copied.
    body: z.string().nullish(),
    state: z.string().max(20).optional(),
    author_association: z.string().max(40),
    user: z.object({ login: z.string().max(100) }).nullish(),
    labels: z.array(Label).nullish(),
    html_url: z.string().max(2048).optional(),
  }),
  label: Label.nullish(),
  repository: Repository,
});
type IssuesBody = z.infer<typeof IssuesBody>;

/** Actions that make (or update) a request, and those that withdraw it. */
const REQUEST_ACTIONS = new Set(["opened", "labeled", "edited"]);
const WITHDRAW_ACTIONS = new Set(["closed", "deleted", "unlabeled"]);

/** Decides what one `issues` delivery becomes. */
export function mapIssues(body: unknown, facts: DeliveryFacts, config: EventConfig): EventOutcome {
  const parsed = IssuesBody.safeParse(body);
  if (!parsed.success) return { kind: "invalid", reason: `issues body lacks ${describeIssues(parsed.error)}` };
  const ev = parsed.data;
  const repo = ev.repository;
  if (!isWatchedRepo(repo.full_name, config)) return unwatched(repo.full_name);
  const seen = toSeen(repo);
  const settings = settingsOf(config);
  const label = settings.kbRequestLabel;
  const isRequestLabel = (name: string | undefined) => name !== undefined && name.toLowerCase() === label.toLowerCase();
  const number = ev.issue.number;

  if (WITHDRAW_ACTIONS.has(ev.action)) {
    if (ev.action === "unlabeled" && !isRequestLabel(ev.label?.name)) {
      return { kind: "ignored", reason: `label "${ev.label?.name ?? ""}" is not the request label "${label}" (KB_REQUEST_LABEL)`, seen };
    }
    const why = ev.action === "unlabeled" ? `the "${label}" label was removed` : `the issue was ${ev.action}`;
    return {
      kind: "cancel",
      coalesceKey: kbRequestCoalesceKey(repo.full_name, number),
      reason: `${why} (issue #${number} of ${repo.full_name})`,
      what: `${KB_REQUEST_JOB_TYPE} job for issue #${number}`,
      seen,
    };
  }
  if (!REQUEST_ACTIONS.has(ev.action)) {
    return { kind: "ignored", reason: `issues action "${ev.action}" is not one the relay acts on (opened, labeled, edited, closed, deleted, unlabeled)`, seen };
  }
  if (ev.action === "labeled" && !isRequestLabel(ev.label?.name)) {
    return { kind: "ignored", reason: `label "${ev.label?.name ?? ""}" is not the request label "${label}" (KB_REQUEST_LABEL)`, seen };
  }
  if (!(ev.issue.labels ?? []).some((l) => isRequestLabel(l.name))) {
    return { kind: "ignored", reason: `issue #${number} has no "${label}" label (KB_REQUEST_LABEL), so it is not an atom request`, seen };
  }
  if (ev.issue.state === "closed") return { kind: "ignored", reason: `issue #${number} is closed`, seen };
  const association = ev.issue.author_association.toUpperCase();
  if (!settings.kbRequestTrusted.includes(association)) {
    return {
      kind: "ignored",
      reason: `issue #${number} is by an author GitHub calls ${association}; only ${settings.kbRequestTrusted.join(", ")} may request atoms (KB_REQUEST_TRUSTED)`,
      seen,
    };
  }
  return {
    kind: "job",
    job: {
      type: KB_REQUEST_JOB_TYPE,
      payload: kbRequestPayload(ev, facts),
      coalesceKey: kbRequestCoalesceKey(repo.full_name, number),
      deliveryId: facts.deliveryId,
    },
    seen,
  };
}

/**
 * Only what the drafting needs, never the raw body: the issue's number, title, Markdown body
 * (the issue form's answers are in it; the worker reads them by their headings), author and
 * labels, cut to GitHub's own limits ({@link ISSUE_LIMITS}).
 */
function kbRequestPayload(ev: IssuesBody, facts: DeliveryFacts): KbRequestPayload {
  const issue = ev.issue;
  return {
    repository: ev.repository.full_name,
    cloneUrl: ev.repository.clone_url,
    issue: {
      number: issue.number,
      title: capText(issue.title, ISSUE_LIMITS.title),
      body: issue.body ? capText(issue.body, ISSUE_LIMITS.body) : null,
      author: issue.user?.login || "ghost",
      labels: (issue.labels ?? []).slice(0, ISSUE_LIMITS.labels).map((l) => capText(l.name, ISSUE_LIMITS.labelName)),
      ...(issue.html_url ? { html_url: issue.html_url } : {}),
    },
    deliveryIds: [facts.deliveryId],
    receivedAt: facts.receivedAt,
  };
}
