// Who may decide from Slack: SLACK_APPROVERS, Slack user ids and user groups. A group's members are
// asked of Slack (usergroups.users.list) the first time a click needs them and kept for the life
// of the composition root (one cold start): a membership change reaches the function with its
// next cold start. A lookup that fails is not kept, so the next click asks again.

/** The one Slack call this needs (WebChatApi, or a fake). */
export interface GroupDirectory {
  userGroupMembers(group: string): Promise<string[]>;
}

export interface ApproverList {
  users: readonly string[];
  groups: readonly string[];
}

export class SlackApprovers {
  readonly #members = new Map<string, Promise<ReadonlySet<string>>>();

  constructor(
    private readonly list: ApproverList,
    /** Absent without a bot token: then only the listed users are approvers. */
    private readonly directory?: GroupDirectory,
  ) {}

  /** Whether `user` may approve, reject and roll back; throws when a group could not be read. */
  async allows(user: string): Promise<boolean> {
    if (this.list.users.includes(user)) return true;
    if (this.directory === undefined || this.list.groups.length === 0) return false;
    const groups = await Promise.all(this.list.groups.map((group) => this.#membersOf(group)));
    return groups.some((members) => members.has(user));
  }

  #membersOf(group: string): Promise<ReadonlySet<string>> {
    let members = this.#members.get(group);
    if (members === undefined) {
      const directory = this.directory as GroupDirectory;
      members = directory.userGroupMembers(group).then((users) => new Set(users));
      members.catch(() => this.#members.delete(group));
      this.#members.set(group, members);
    }
    return members;
  }
}
