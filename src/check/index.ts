/**
 * src/check: recording client histories and checking them for linearizability against a
 * key-value model (get, put, del, cas). Used by the simulation, end-to-end tests and
 * failover experiments. See docs/check.md.
 */
export {
  kv,
  applyModelOp,
  describeKvOp,
  describeKvResult,
  type ModelOp,
  type ModelOpKind,
  type ModelResult,
} from './kv.js';
export {
  HistoryRecorder,
  HistoryError,
  HistoryFullError,
  operationsFromJsonLines,
  operationsToJsonLines,
  validateOperation,
  type HistoryRecorderOptions,
  type OpId,
  type OpOutcome,
  type Operation,
} from './history.js';
export {
  checkLinearizability,
  describeResult,
  type CheckOptions,
  type CheckResult,
  type CheckVerdict,
  type KeyCheck,
  type Violation,
} from './linearizability.js';
export { describeOperation } from './report.js';
