/**
 * src/ui: the Ink terminal UI of a running cluster. `runUi(cluster)` shows it until the user
 * presses q (or Ctrl-C) and resolves then; the caller stops the cluster.
 */
import { render } from 'ink';
import type { Cluster } from '../cluster/cluster.js';
import { App } from './App.js';
import { ClusterUiControl } from './clusterControl.js';

export { App, keyHelp, type AppProps } from './App.js';
export { ClusterUiControl } from './clusterControl.js';
export type { UiControl, UiEvent, UiLoad, UiNetwork, UiNodeStatus, UiSnapshot } from './control.js';

export async function runUi(cluster: Cluster, options: { refreshMs?: number } = {}): Promise<void> {
  const control = new ClusterUiControl(cluster);
  const instance = render(<App control={control} refreshMs={options.refreshMs ?? 250} />);
  try {
    await instance.waitUntilExit();
  } finally {
    await control.close();
  }
}
