import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTROL_PLANE_ID_RE } from '../config.js';
import {
  checkTrust,
  readRememberedControlPlane,
  writeRememberedControlPlane,
  type TrustInput,
} from './trust.js';

const OLD = 'oldControlPlane0000000';
const NEW = 'newControlPlane0000000';
const base: TrustInput = {
  remembered: OLD,
  controlPlaneId: OLD,
  accept: undefined,
  appliedGeneration: 7,
  runningInstances: 2,
  incomingGeneration: 8,
  incomingInstances: 2,
};

describe('which control plane an agent follows (issue 16 #6)', () => {
  it.each<
    [string, Partial<TrustInput>, { ok: boolean; remember?: string; acceptUsed?: boolean; reason?: RegExp }]
  >([
    [
      'its own control plane, next generation → applied',
      {},
      { ok: true, remember: undefined, acceptUsed: false },
    ],
    [
      'its own control plane, same generation (a reconnect) → applied',
      { incomingGeneration: 7 },
      { ok: true },
    ],
    [
      'its own control plane deleting every cluster → applied (an operator did it)',
      { incomingInstances: 0 },
      { ok: true },
    ],
    [
      'a fresh, empty control plane (another id, generation 1, no instances) → refused, with the way out',
      { controlPlaneId: NEW, incomingGeneration: 1, incomingInstances: 0 },
      {
        ok: false,
        reason: new RegExp(
          `^refused the desired state of control plane ${NEW}: this agent belongs to control plane ${OLD}.*--accept-control-plane ${NEW}\\.$`,
        ),
      },
    ],
    [
      "another fleet's control plane with a higher generation and instances → still refused",
      { controlPlaneId: NEW, incomingGeneration: 50 },
      { ok: false, reason: /belongs to control plane oldControlPlane/ },
    ],
    [
      'a control plane without an id (older version) → refused',
      { controlPlaneId: '' },
      { ok: false, reason: /control plane \(without an id\).*upgrade it first/ },
    ],
    [
      'its own control plane going back in generation (store restored from a backup) → refused',
      { incomingGeneration: 3 },
      { ok: false, reason: /^refused generation 3: this agent already applied generation 7/ },
    ],
    [
      'first contact (nothing remembered), state keeps the instances → applied and remembered',
      { remembered: undefined, controlPlaneId: NEW },
      { ok: true, remember: NEW },
    ],
    [
      'first contact removing every running instance → refused',
      { remembered: undefined, controlPlaneId: NEW, incomingInstances: 0 },
      {
        ok: false,
        reason: /^refused the first desired state of control plane new.*would remove all 2 instance\(s\)/,
      },
    ],
    [
      'first contact of a fresh agent (nothing running) → applied and remembered',
      {
        remembered: undefined,
        controlPlaneId: NEW,
        appliedGeneration: 0,
        runningInstances: 0,
        incomingGeneration: 1,
        incomingInstances: 0,
      },
      { ok: true, remember: NEW },
    ],
    [
      "saved state refused at start (generation 0, nothing running): its own control plane's state applies whatever its generation",
      { appliedGeneration: 0, runningInstances: 0, incomingGeneration: 4 },
      { ok: true },
    ],
    [
      "--accept-control-plane NEW: the fresh control plane's empty state → applied, NEW remembered",
      { controlPlaneId: NEW, accept: NEW, incomingGeneration: 1, incomingInstances: 0 },
      { ok: true, remember: NEW, acceptUsed: true },
    ],
    [
      '--accept-control-plane for its own control plane: a lower generation → applied once',
      { accept: OLD, incomingGeneration: 3 },
      { ok: true, remember: undefined, acceptUsed: true },
    ],
    [
      '--accept-control-plane names a third control plane → this one is still refused',
      { controlPlaneId: NEW, accept: 'thirdControlPlane00000' },
      { ok: false },
    ],
  ])('%s', (_scenario, over, expected) => {
    const d = checkTrust({ ...base, ...over });
    expect(d.ok).toBe(expected.ok);
    if (d.ok) {
      if ('remember' in expected) expect(d.remember).toBe(expected.remember);
      if (expected.acceptUsed !== undefined) expect(d.acceptUsed).toBe(expected.acceptUsed);
    } else if (expected.reason) expect(d.reason).toMatch(expected.reason);
  });

  it('control-plane.json: written and read back; a missing file is "nothing remembered"; a tampered one is reported, not trusted', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-trust-'));
    const file = path.join(dir, 'control-plane.json');
    try {
      expect(await readRememberedControlPlane(file, CONTROL_PLANE_ID_RE)).toEqual({ id: undefined });
      await writeRememberedControlPlane(file, NEW);
      expect(await readRememberedControlPlane(file, CONTROL_PLANE_ID_RE)).toEqual({ id: NEW });
      expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
      fs.writeFileSync(file, '{"id":"../../etc"}');
      expect(await readRememberedControlPlane(file, CONTROL_PLANE_ID_RE)).toEqual({
        id: undefined,
        problem: `${file}: id: must be a control plane id`,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
