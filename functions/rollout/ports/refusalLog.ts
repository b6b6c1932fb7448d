// Port: which refusals were already reported. A Deployment whose annotation cannot be honoured is
// refused on every run that meets it, but reported (notified and counted) once per distinct bad
// value: the same typo seen by the reconciler every few minutes is one message, and a new bad
// value is a new one. Implemented over the stage's state table (provider/dynamodb/refusalTable.ts).

export interface RefusalLog {
  /**
   * True the first time this Deployment's annotation is refused with this value (recorded as
   * seen), false afterwards. Should the log be unreadable, true: a repeated message is better
   * than a lost one.
   */
  firstSeen(deployment: string, annotation: string, value: string): Promise<boolean>;
}
