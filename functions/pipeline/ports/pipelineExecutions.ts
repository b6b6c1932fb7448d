// Port: what the pipeline planners need to know about one CodePipeline execution. The adapter
// (sdkPipelineExecutions.ts) wraps GetPipelineExecution, ListActionExecutions and
// ListPipelineExecutions; tests run it against a local fake of those three operations.

/** PipelineExecutionStatus, as the API spells it. */
export type ExecutionStatus =
  | "Cancelled"
  | "InProgress"
  | "Stopped"
  | "Stopping"
  | "Succeeded"
  | "Superseded"
  | "Failed";

export interface SourceRevision {
  /** The source action that produced it, e.g. "Source". */
  actionName: string;
  /** For a Git source, the full commit SHA. */
  revisionId: string;
  /** For Git, the commit message; CodeStar connections wrap it in JSON (see links.ts). */
  summary?: string;
  url?: string;
  /** When the commit was created (ArtifactRevision.created); the start of LeadTimeForChanges. */
  createdAt?: Date;
}

export interface ExecutionSnapshot {
  pipeline: string;
  executionId: string;
  status: ExecutionStatus;
  statusSummary?: string;
  sources: SourceRevision[];
  triggerType?: string;
  triggerDetail?: string;
}

export type ActionStatus = "InProgress" | "Abandoned" | "Succeeded" | "Failed";

export interface ActionRun {
  stage: string;
  action: string;
  status: ActionStatus;
  startTime?: Date;
  lastUpdateTime?: Date;
  /** The provider's own summary, e.g. CodeBuild's "Build terminated with state: FAILED". */
  summary?: string;
  errorCode?: string;
  errorMessage?: string;
  /** Deep link to the provider's run, e.g. the CodeBuild build page with its logs. */
  externalUrl?: string;
}

export interface ExecutionSummary {
  executionId: string;
  status: ExecutionStatus;
  startTime?: Date;
  lastUpdateTime?: Date;
  sources: Pick<SourceRevision, "actionName" | "revisionId" | "summary" | "url">[];
}

export interface PipelineExecutions {
  /** The execution as CodePipeline sees it now; undefined when it does not know it. */
  get(pipeline: string, executionId: string): Promise<ExecutionSnapshot | undefined>;
  /** Every action run of the execution (all pages), in the order the API lists them. */
  actions(pipeline: string, executionId: string): Promise<ActionRun[]>;
  /** The most recent executions of a pipeline, newest first, at most `limit`. */
  recent(pipeline: string, limit: number): Promise<ExecutionSummary[]>;
}
