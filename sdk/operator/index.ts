/** vinfer/operator: the node that watches the router, proves requests and fulfils them (crash-safe, SQLite). */
export { OperatorNode, type OperatorOptions, type Prover } from "./operatorNode.js";
export { JobStore } from "./jobStore.js";
export { JOB_TRANSITIONS, JobTransitionError, type Job, type JobQueue, type JobState } from "./jobQueue.js";
export { Challenger, type ChallengerOptions } from "./challenger.js";
export { jsonLogger, type Logger } from "./log.js";
