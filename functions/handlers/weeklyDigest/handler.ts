// weeklyDigest (scheduled): the four DORA metrics of the past week against the week before,
// read back from CloudWatch, as one notification to the configured sinks.
import type { Notification } from "../../types/notification.js";
import { type DigestSection, digestNotification, digestWeeks } from "../../pipeline/digest.js";
import { composeWeeklyDigest, type WeeklyDigestDependencies } from "./wiring.js";

export interface WeeklyDigestResult {
  notification: Notification;
  delivered: string[];
  failed: string[];
}

let dependencies: WeeklyDigestDependencies | undefined;

export async function handler(): Promise<WeeklyDigestResult> {
  dependencies ??= composeWeeklyDigest();
  return sendWeeklyDigest(dependencies);
}

export async function sendWeeklyDigest(deps: WeeklyDigestDependencies): Promise<WeeklyDigestResult> {
  // parse: a schedule carries nothing but the time
  const { thisWeek, lastWeek } = digestWeeks(deps.now());

  // plan
  const [current, previous, sections] = await Promise.all([
    deps.reader.week(thisWeek),
    deps.reader.week(lastWeek),
    Promise.all(deps.sections.map((source) => sectionOrNothing(deps, source.name, source.section(thisWeek)))),
  ]);
  const notification = digestNotification(
    thisWeek,
    current,
    previous,
    sections.filter((section) => section !== undefined),
  );

  // act
  const delivery = await deps.notifier.notify(notification);
  await deps.metrics.flush();

  // report
  deps.logger.info("weekly digest sent", {
    week: thisWeek,
    thisWeek: current,
    lastWeek: previous,
    ...delivery,
  });
  return { notification, ...delivery };
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
