// Port: claim an outcome once. Two deliveries of the same CodePipeline event are identical, so no
// amount of reasoning inside one invocation can tell the first from the second; something both
// can see must decide. A claim is an atomic "create if absent": exactly one caller gets true.

export interface OutcomeClaims {
  /** True for the first caller with this key; false for every later one. */
  claim(key: string): Promise<boolean>;
  /** Gives a claim back when the work it guarded failed, so that the retry can do it. */
  release(key: string): Promise<void>;
}
