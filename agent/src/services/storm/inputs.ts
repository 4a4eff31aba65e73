/**
 * The Storm render inputs as this agent uses them. The schema and the full type live in
 * @hactl/shared (`services/storm/inputs.ts`), which checks every instance's inputs before they
 * get here (InstanceManager.checkInputs); shared's package index does not export the storm
 * namespace yet, so the fields the agent reads are mirrored here. `process.test.ts` runs the
 * shared parser over a fixture and hands the result to planProcess, so a drift fails a test.
 */
export interface StormAgentInputs {
  cluster: string;
  role: 'nimbus' | 'supervisor' | 'ui';
  host: string;
  address: string;
  home: string;
  confDir: string;
  localDir: string;
  logDir: string;
  zookeeper: { servers: string[]; port: number; root: string };
  nimbusSeeds: string[];
  nimbusPort: number;
  supervisorThriftPort?: number;
  slots?: number[];
  uiPort?: number;
}
