import type { storm } from '@hactl/shared';

/** The Storm render inputs, as checked by the shared schema before they reach the agent. */
export type StormAgentInputs = storm.StormInputs;
