// Which namespaces the rollout functions manage: a list of names (ROLLOUT_NAMESPACES=a,b) or
// every namespace of the cluster (ROLLOUT_NAMESPACES=*). Cluster-wide, opted-in Deployments are
// found with one label-selected LIST per cluster instead of one per namespace; "*" can never be a
// namespace name (not an RFC 1123 label), so it cannot be mistaken for one.

export const ALL_NAMESPACES = "*";
export type AllNamespaces = typeof ALL_NAMESPACES;

export type NamespaceScope = { kind: "cluster-wide" } | { kind: "namespaces"; names: readonly string[] };

/** What to list per cluster: "*" once, or each named namespace. */
export function listTargets(scope: NamespaceScope): readonly (string | AllNamespaces)[] {
  return scope.kind === "cluster-wide" ? [ALL_NAMESPACES] : scope.names;
}

export function managesNamespace(scope: NamespaceScope, namespace: string): boolean {
  return scope.kind === "cluster-wide" || scope.names.includes(namespace);
}

/** For messages: "every namespace" or "a, b". */
export function describeScope(scope: NamespaceScope): string {
  return scope.kind === "cluster-wide" ? "every namespace" : scope.names.join(", ");
}
