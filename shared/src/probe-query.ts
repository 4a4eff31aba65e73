/**
 * The `probe` query: the control plane asks an agent to probe one instance now, and the agent
 * sends a status report carrying that probe before its answer (agent sync/reporter.ts probeNow),
 * so the control plane has the report when the answer arrives. It is asked when a restart lease
 * would be refused on a member's view of its peers that predates the request (control-plane
 * leases/peer-views.ts). An agent that answers it lists it in its hello (Hello.capabilities);
 * agents before it took any command they did not know for a restart attempt (refused, and kept
 * in their command journal), so the control plane asks only agents that list it.
 */
export const PROBE_QUERY = 'probe';
