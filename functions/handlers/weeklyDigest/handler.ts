// weeklyDigest (scheduled): the four DORA metrics of the past week against the week before,
// read back from CloudWatch, as one notification to the configured sinks.
import { defineHandler, type HandlerResult } from "../../lambda/handler.js";
import {
  type DigestSection,
  type DigestWindow,
  type DoraWeek,
  digestNotification,
  digestWeeks,
} from "../../pipeline/digest.js";
import { type Delivery, deliveryOf } from "../../trigger/envelopes.js";
import type { Notification, NotifyOutcome } from "../../types/notification.js";
import { composeWeeklyDigest, SERVICE_NAME, type WeeklyDigestDependencies } from "./wiring.js";

export interface WeeklyDigestReport {
  notification: Notification;
  delivered: string[];
  failed: string[];
}

export type WeeklyDigestResult = HandlerResult<WeeklyDigestReport>;

interface Digest {
  thisWeek: DigestWindow;
  current: DoraWeek;
  previous: DoraWeek;
  notification: Notification;
}

const weeklyDigest = defineHandler(
  {
    name: SERVICE_NAME,

    // parse: a schedule carries nothing but the time, and the week is the clock's (deps.now)
    parse: (event: unknown): Delivery => deliveryOf(event),
    eventId: (delivery: Delivery) => (delivery.via === "direct" ? undefined : delivery.eventId),

    // plan: this week and last from CloudWatch, and the other functions' sections
    async plan(_delivery: Delivery, deps: WeeklyDigestDependencies): Promise<Digest> {
      const { thisWeek, lastWeek } = digestWeeks(deps.now());
      const [current, previous, sections] = await Promise.all([
        deps.reader.week(thisWeek),
        deps.reader.week(lastWeek),
        Promise.all(
          deps.sections.map((source) => sectionOrNothing(deps, source.name, source.section(thisWeek))),
        ),
      ]);
      const notification = digestNotification(
        thisWeek,
        current,
        previous,
        sections.filter((section) => section !== undefined),
      );
      return { thisWeek, current, previous, notification };
    },

    // act: one notification to the configured sinks
    async act(digest: Digest, deps: WeeklyDigestDependencies) {
      return { digest, delivery: await deps.notifier.notify(digest.notification) };
    },

    // report
    report(
      { digest, delivery }: { digest: Digest; delivery: NotifyOutcome },
      deps: WeeklyDigestDependencies,
    ): WeeklyDigestReport {
      deps.logger.info("weekly digest sent", {
        week: digest.thisWeek,
        thisWeek: digest.current,
        lastWeek: digest.previous,
        ...delivery,
      });
      return { notification: digest.notification, ...delivery };
    },
  },
  () => composeWeeklyDigest(),
);

export const handler = weeklyDigest.handler;

/** One run with the given dependencies; the event only names the trigger (none: a direct run). */
export function sendWeeklyDigest(
  deps: WeeklyDigestDependencies,
  event?: unknown,
): Promise<WeeklyDigestResult> {
  return weeklyDigest.handle(deps, event);
}

/** A section that fails is left out and logged: the DORA numbers still go out. */
async function sectionOrNothing(
  deps: WeeklyDigestDependencies,
  name: string,
  section: Promise<DigestSection | undefined>,
): Promise<DigestSection | undefined> {
  try {
    return await section;
  } catch (error) {
    deps.logger.warn("digest section failed; sent without it", { section: name, error });
    return undefined;
  }
}
