/** src/experiment: seeded, reporting fault experiments against a real cluster. */
export {
  runExperiment, experimentDefaults, type ExperimentOptions, type ExperimentResult, type Scenario,
  type RunRecord, type Mark,
} from './runner.js';
export { scenarios, failover, partition, slowDisk, flakyNetwork } from './scenarios.js';
export { formatTable, passed, reportHtml, summaryOf, writeReport } from './report.js';
export { summarize, percentile, type Summary } from './stats.js';
