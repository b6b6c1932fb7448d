// Who may decide from Slack: SLACK_APPROVERS, Slack user ids and user groups. A group's members are
// asked of Slack (usergroups.users.list) when a click needs them and kept for a minute: someone
// removed from the group can no longer decide a minute later, however long the function stays
// warm, and a burst of clicks still costs one call (the method allows about 20 a minute). A lookup
// that fails is not kept, so the next click asks again.

/** The one Slack call this needs (WebChatApi, or a fake). */
export interface GroupDirectory {
  userGroupMembers(group: string): Promise<string[]>;
}

export interface ApproverList {
  users: readonly string[];
  groups: readonly string[];
}

/** How long a group's members, as Slack listed them, are trusted before Slack is asked again. */
export const MEMBERS_TTL_MS = 60_000;

export class SlackApprovers {
  readonly #members = new Map<string, { listedAt: number; members: Promise<ReadonlySet<string>> }>();

  constructor(
    private readonly list: ApproverList,
    /** Absent without a bot token: then only the listed users are approvers. */
    private readonly directory?: GroupDirectory,
    /** The clock of the members' lifetime, injected so tests can let it pass. */
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `user` may approve, reject and roll back; throws when a group could not be read. */
  async allows(user: string): Promise<boolean> {
    if (this.list.users.includes(user)) return true;
    if (this.directory === undefined || this.list.groups.length === 0) return false;
    const groups = await Promise.all(this.list.groups.map((group) => this.#membersOf(group)));
    return groups.some((members) => members.has(user));
  }

  #membersOf(group: string): Promise<ReadonlySet<string>> {
    const listed = this.#members.get(group);
    if (listed !== undefined && this.now() - listed.listedAt < MEMBERS_TTL_MS) return listed.members;
    const directory = this.directory as GroupDirectory;
    const members = directory.userGroupMembers(group).then((users): ReadonlySet<string> => new Set(users));
    const entry = { listedAt: this.now(), members };
    // Only this lookup's own entry is dropped: a newer one may have replaced it meanwhile.
    members.catch(() => {
      if (this.#members.get(group) === entry) this.#members.delete(group);
    });
    this.#members.set(group, entry);
    return members;
  }
}
